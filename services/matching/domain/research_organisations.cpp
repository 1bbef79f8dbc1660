#include "services/matching/domain/research_organisations.hpp"

#include <algorithm>

namespace gosmart::matching {

namespace {

constexpr uint8_t kResearchDivision = 72;

std::string code_text(const NaceCode& code) {
  std::string text = (code.division < 10 ? "0" : "") + std::to_string(code.division);
  if (code.group >= 0) text += "." + std::to_string(code.group);
  if (code.cls >= 0) text += std::to_string(code.cls);
  return text;
}

}  // namespace

bool able_to_research(wire::PublicOrganisation::Reader org) {
  if (org.getErased()) return false;
  auto type = org.getType();
  if (type == wire::OrgType::UNIVERSITY || type == wire::OrgType::RESEARCH_INSTITUTE) return true;
  for (auto code : org.getNaceCodes()) {
    auto parsed = parse_nace(code.cStr());
    if (parsed && parsed->division == kResearchDivision) return true;
  }
  return false;
}

OrgDoc make_org_doc(ProfileIndex& index, wire::PublicOrganisation::Reader org) {
  OrgDoc doc;
  doc.id = org.getId();
  doc.name = org.getLegalName();
  doc.country = static_cast<uint8_t>(index.countries().id(org.getCountry()));
  doc.type = static_cast<uint8_t>(org.getType());
  doc.size = static_cast<uint8_t>(org.getSizeClass());
  for (auto domain : org.getDomains()) {
    doc.domains.push_back(static_cast<uint16_t>(index.domains().id(domain)));
  }
  std::sort(doc.domains.begin(), doc.domains.end());
  doc.domains.erase(std::unique(doc.domains.begin(), doc.domains.end()), doc.domains.end());
  for (auto code : org.getNaceCodes()) {
    if (auto parsed = parse_nace(code.cStr())) doc.nace.push_back(*parsed);
  }
  return doc;
}

std::vector<OrgCandidate> find_research_organisations(const ProfileIndex& index,
                                                      const std::vector<const OrgDoc*>& orgs,
                                                      const Doc& request, bool transnational,
                                                      std::size_t limit) {
  std::vector<OrgCandidate> found;
  for (const OrgDoc* org : orgs) {
    if (transnational && org->country == request.country) continue;
    if (request.target_countries_mask != 0 &&
        (org->country >= 32 || !(request.target_countries_mask & (1u << org->country)))) {
      continue;
    }
    if (!index.profiles_of_owner(org->id).empty()) continue;  // its profiles match already
    OrgCandidate c;
    c.org = org;
    if (!request.domains.empty()) {
      std::size_t shared = 0;
      for (auto domain : request.domains) {
        shared += std::binary_search(org->domains.begin(), org->domains.end(), domain);
      }
      c.domains = static_cast<double>(shared) / static_cast<double>(request.domains.size());
      c.has_domains = true;
    }
    if (!request.nace.empty() && !org->nace.empty()) {
      double sum = 0;
      for (const auto& mine : request.nace) {
        double best = 0;
        for (const auto& theirs : org->nace) {
          best = std::max(best, closeness(shared_level(mine, theirs)));
        }
        sum += best;
      }
      c.nace = sum / static_cast<double>(request.nace.size());
      c.has_nace = true;
    }
    int parts = c.has_domains + c.has_nace;
    c.score = parts == 0 ? 0 : (c.domains + c.nace) / parts;
    if (c.score > 0) found.push_back(c);
  }
  std::size_t k = std::min(found.size(), limit);
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(k), found.end(),
                    [](const OrgCandidate& x, const OrgCandidate& y) {
                      if (x.score != y.score) return x.score > y.score;
                      return x.org->id < y.org->id;
                    });
  found.resize(k);
  return found;
}

void explain_organisation(const ProfileIndex& index, const Doc& request,
                          const OrgCandidate& candidate, wire::Explanation::Builder out) {
  int parts = candidate.has_domains + candidate.has_nace;
  auto components = out.initComponents(2);
  components[0].setName("domains");
  components[0].setWeight(0.5);
  components[0].setForward(candidate.domains);
  components[0].setContribution(candidate.has_domains ? candidate.domains / parts : 0);
  components[1].setName("nace");
  components[1].setWeight(0.5);
  components[1].setForward(candidate.nace);
  components[1].setContribution(candidate.has_nace ? candidate.nace / parts : 0);

  const OrgDoc& org = *candidate.org;
  std::vector<std::string> domains;
  for (auto domain : request.domains) {
    if (std::binary_search(org.domains.begin(), org.domains.end(), domain)) {
      domains.push_back(index.domains().text(domain));
    }
  }
  auto shared = out.initSharedDomains(static_cast<unsigned>(domains.size()));
  for (unsigned i = 0; i < domains.size(); ++i) shared.set(i, domains[i]);

  std::vector<std::pair<std::string, std::pair<std::string, NaceLevel>>> links;
  for (const auto& mine : request.nace) {
    const NaceCode* best = nullptr;
    NaceLevel level = NaceLevel::none;
    for (const auto& theirs : org.nace) {
      auto l = shared_level(mine, theirs);
      if (l > level) {
        level = l;
        best = &theirs;
      }
    }
    if (best) links.push_back({code_text(mine), {code_text(*best), level}});
  }
  auto nace_links = out.initNaceLinks(static_cast<unsigned>(links.size()));
  for (unsigned i = 0; i < links.size(); ++i) {
    nace_links[i].setCodeA(links[i].first);
    nace_links[i].setCodeB(links[i].second.first);
    nace_links[i].setLevel(level_name(links[i].second.second));
  }
}

}  // namespace gosmart::matching
