#include "services/matching/domain/scoring.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gosmart::matching {

namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

using Kind = wire::ProfileKind;

bool in_mask(uint32_t mask, unsigned bit) {
  return mask == 0 || (bit < 32 && (mask & (1u << bit)));
}

bool shares_domain(const Doc& a, const Doc& b) {
  auto i = a.domains.begin();
  auto j = b.domains.begin();
  while (i != a.domains.end() && j != b.domains.end()) {
    if (*i == *j) return true;
    if (*i < *j)
      ++i;
    else
      ++j;
  }
  return false;
}

// What `seeker` asks of its partner, checked against `other`.
bool accepts(const Doc& seeker, const Doc& other) {
  if (!in_mask(seeker.target_countries_mask, other.country)) return false;
  if (!in_mask(seeker.partner_types_mask, other.owner_type)) return false;
  if (other.owner_size != 0 && !in_mask(seeker.partner_sizes_mask, other.owner_size)) return false;
  return true;
}

double harmonic(double x, double y) {
  return x + y <= 0 ? 0.0 : 2 * x * y / (x + y);
}

}  // namespace

const char* component_name(int component) {
  static const char* names[] = {"domains", "nace", "text", "cooperation", "languages"};
  return component >= 0 && component < kComponents ? names[component] : "unknown";
}

const std::vector<uint8_t>& complementary_kinds(uint8_t kind) {
  static const std::vector<uint8_t> none;
  static const std::vector<uint8_t> table[] = {
      {},                                              // unknown
      {static_cast<uint8_t>(Kind::BUSINESS_REQUEST)},  // BO
      {static_cast<uint8_t>(Kind::BUSINESS_OFFER)},    // BR
      {static_cast<uint8_t>(Kind::TECHNOLOGY_REQUEST),
       static_cast<uint8_t>(Kind::RESEARCH_PARTNER_REQUEST)},  // TO
      {static_cast<uint8_t>(Kind::TECHNOLOGY_OFFER)},          // TR
      {static_cast<uint8_t>(Kind::TECHNOLOGY_OFFER)},          // RDR
  };
  return kind < kKinds ? table[kind] : none;
}

double Scorer::bm25_term(uint32_t term, uint16_t frequency, uint32_t doc_length) const {
  double f = frequency;
  double norm = kK1 * (1 - kB + kB * doc_length / index_.average_length());
  return index_.idf(term) * f * (kK1 + 1) / (f + norm);
}

bool Scorer::significant(uint32_t term) const {
  auto n = index_.size();
  return n < 1000 || index_.document_frequency(term) * 20 <= n;
}

double Scorer::bm25(const Doc& query, const Doc& doc) const {
  double sum = 0;
  for_each_shared_term(query, doc, [&](uint32_t term, uint16_t, uint16_t in_doc) {
    if (significant(term)) sum += bm25_term(term, in_doc, doc.length);
  });
  return sum;
}

DirectionScore Scorer::direction(const Doc& seeker, const Doc& other, double text_ratio) const {
  DirectionScore d;
  if (!seeker.domains.empty()) {
    std::size_t shared = 0;
    for (auto domain : seeker.domains) {
      shared += std::binary_search(other.domains.begin(), other.domains.end(), domain);
    }
    d.value[kDomains] = static_cast<double>(shared) / static_cast<double>(seeker.domains.size());
    d.present[kDomains] = true;
  }
  if (!seeker.nace.empty() && !other.nace.empty()) {
    double sum = 0;
    for (const auto& mine : seeker.nace) {
      double best = 0;
      for (const auto& theirs : other.nace)
        best = std::max(best, closeness(shared_level(mine, theirs)));
      sum += best;
    }
    d.value[kNace] = sum / static_cast<double>(seeker.nace.size());
    d.present[kNace] = true;
  }
  if (!seeker.terms.empty()) {
    // A partner's wording overlaps its counterpart's only in part; the square root
    // spreads the low ratios that real pairs have over the scale.
    d.value[kText] = std::sqrt(std::clamp(text_ratio, 0.0, 1.0));
    d.present[kText] = true;
  }
  if (seeker.cooperation_mask != 0) {
    d.value[kCooperation] = other.cooperation_mask == 0
                                ? 0.5
                                : static_cast<double>(std::popcount(static_cast<unsigned>(
                                      seeker.cooperation_mask & other.cooperation_mask))) /
                                      std::popcount(static_cast<unsigned>(seeker.cooperation_mask));
    d.present[kCooperation] = true;
  }
  if (seeker.languages_mask != 0 && other.languages_mask != 0) {
    d.value[kLanguages] = (seeker.languages_mask & other.languages_mask) != 0 ? 1.0 : 0.0;
    d.present[kLanguages] = true;
  }
  const double w[kComponents] = {weights_.domains, weights_.nace, weights_.text,
                                 weights_.cooperation, weights_.languages};
  double weighted = 0, total_weight = 0;
  for (int c = 0; c < kComponents; ++c) {
    if (!d.present[c]) continue;
    weighted += w[c] * d.value[c];
    total_weight += w[c];
  }
  d.total = total_weight > 0 ? weighted / total_weight : 0;
  return d;
}

PairScore Scorer::pair(const Doc& a, const Doc& b, double forward_ratio,
                       double backward_ratio) const {
  PairScore score;
  score.forward = direction(a, b, forward_ratio);
  score.backward = direction(b, a, backward_ratio);
  score.score = harmonic(score.forward.total, score.backward.total);
  return score;
}

PairScore Scorer::pair(const Doc& a, const Doc& b) const {
  auto ratio = [&](const Doc& seeker, const Doc& other) {
    double self = bm25(seeker, seeker);
    return self > 0 ? bm25(seeker, other) / self : 0.0;
  };
  return pair(a, b, ratio(a, b), ratio(b, a));
}

bool Scorer::compatible(const Doc& a, const Doc& b) const {
  const auto& kinds = complementary_kinds(a.kind);
  if (std::find(kinds.begin(), kinds.end(), b.kind) == kinds.end()) return false;
  if (a.owner_id == b.owner_id) return false;
  if (!accepts(a, b) || !accepts(b, a)) return false;
  if (a.cooperation_mask != 0 && b.cooperation_mask != 0 &&
      (a.cooperation_mask & b.cooperation_mask) == 0) {
    return false;
  }
  auto rdr = static_cast<uint8_t>(Kind::RESEARCH_PARTNER_REQUEST);
  if ((a.kind == rdr || b.kind == rdr) && !shares_domain(a, b)) return false;
  return true;
}

void explain(const Scorer& scorer, const Doc& a, const Doc& b, const PairScore& score,
             wire::Explanation::Builder out, std::size_t max_terms) {
  const auto& index = scorer.index();
  const auto& w = scorer.weights();
  const double weights[kComponents] = {w.domains, w.nace, w.text, w.cooperation, w.languages};
  auto components = out.initComponents(kComponents);
  for (int c = 0; c < kComponents; ++c) {
    components[c].setName(component_name(c));
    components[c].setWeight(weights[c]);
    components[c].setForward(score.forward.present[c] ? score.forward.value[c] : 0);
    components[c].setBackward(score.backward.present[c] ? score.backward.value[c] : 0);
  }

  std::vector<std::string> domains;
  for (auto domain : a.domains) {
    if (std::binary_search(b.domains.begin(), b.domains.end(), domain)) {
      domains.push_back(index.domains().text(domain));
    }
  }
  auto shared_domains = out.initSharedDomains(static_cast<unsigned>(domains.size()));
  for (unsigned i = 0; i < domains.size(); ++i) shared_domains.set(i, domains[i]);

  struct Link {
    const NaceCode* a;
    const NaceCode* b;
    NaceLevel level;
  };
  std::vector<Link> links;
  for (const auto& mine : a.nace) {
    Link best{&mine, nullptr, NaceLevel::none};
    for (const auto& theirs : b.nace) {
      auto level = shared_level(mine, theirs);
      if (level > best.level) best = {&mine, &theirs, level};
    }
    if (best.level != NaceLevel::none) links.push_back(best);
  }
  auto code_text = [](const NaceCode& code) {
    std::string text = (code.division < 10 ? "0" : "") + std::to_string(code.division);
    if (code.group >= 0) text += "." + std::to_string(code.group);
    if (code.cls >= 0) text += std::to_string(code.cls);
    return text;
  };
  auto nace_links = out.initNaceLinks(static_cast<unsigned>(links.size()));
  for (unsigned i = 0; i < links.size(); ++i) {
    nace_links[i].setCodeA(code_text(*links[i].a));
    nace_links[i].setCodeB(code_text(*links[i].b));
    nace_links[i].setLevel(level_name(links[i].level));
  }

  // Each shared term's part of the text component, both directions averaged.
  double self_a = scorer.bm25(a, a), self_b = scorer.bm25(b, b);
  std::vector<std::pair<double, uint32_t>> terms;
  for_each_shared_term(a, b, [&](uint32_t term, uint16_t in_a, uint16_t in_b) {
    double forward = self_a > 0 ? scorer.bm25_term(term, in_b, b.length) / self_a : 0;
    double backward = self_b > 0 ? scorer.bm25_term(term, in_a, a.length) / self_b : 0;
    terms.emplace_back((forward + backward) / 2, term);
  });
  std::sort(terms.begin(), terms.end(), [](auto& x, auto& y) { return x.first > y.first; });
  if (terms.size() > max_terms) terms.resize(max_terms);
  auto shared_terms = out.initSharedTerms(static_cast<unsigned>(terms.size()));
  for (unsigned k = 0; k < terms.size(); ++k) {
    shared_terms[k].setTerm(index.terms().text(terms[k].second));
    shared_terms[k].setWeight(terms[k].first);
  }

  std::vector<wire::CooperationType> cooperation;
  for (unsigned bit = 1; bit < 16; ++bit) {
    if ((a.cooperation_mask & b.cooperation_mask) & (1u << bit)) {
      cooperation.push_back(static_cast<wire::CooperationType>(bit));
    }
  }
  auto shared_cooperation =
      out.initSharedCooperationTypes(static_cast<unsigned>(cooperation.size()));
  for (unsigned k = 0; k < cooperation.size(); ++k) shared_cooperation.set(k, cooperation[k]);

  std::vector<std::string> languages;
  for (unsigned bit = 0; bit < 64 && bit < index.languages().size(); ++bit) {
    if ((a.languages_mask & b.languages_mask) & (uint64_t{1} << bit)) {
      languages.push_back(index.languages().text(bit));
    }
  }
  auto shared_languages = out.initSharedLanguages(static_cast<unsigned>(languages.size()));
  for (unsigned k = 0; k < languages.size(); ++k) shared_languages.set(k, languages[k]);
}

}  // namespace gosmart::matching
