// gosmart-gen-corpus: writes a generated, labelled corpus (corpus.hpp) as JSON Lines
// that `gosmartctl org import` takes, one file per country, and the planted pairs as labels.
//   gosmart-gen-corpus --profiles 2000 --pairs 200 --seed 7 --out DIR
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <capnp/schema.h>

#include "tools/gen-corpus/corpus.hpp"

using namespace gosmart;

namespace {

const char* kind_name(wire::ProfileKind kind) {
  switch (kind) {
    case wire::ProfileKind::BUSINESS_OFFER:
      return "businessOffer";
    case wire::ProfileKind::BUSINESS_REQUEST:
      return "businessRequest";
    case wire::ProfileKind::TECHNOLOGY_OFFER:
      return "technologyOffer";
    case wire::ProfileKind::TECHNOLOGY_REQUEST:
      return "technologyRequest";
    case wire::ProfileKind::RESEARCH_PARTNER_REQUEST:
      return "researchPartnerRequest";
    default:
      return "unknown";
  }
}

const char* type_name(wire::OrgType type) {
  switch (type) {
    case wire::OrgType::UNIVERSITY:
      return "university";
    case wire::OrgType::RESEARCH_INSTITUTE:
      return "researchInstitute";
    default:
      return "sme";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Generate a labelled organisation and profile corpus for the seven countries"};
  std::size_t profiles = 2000, pairs = 200;
  uint64_t seed = 7;
  std::filesystem::path out_dir;
  app.add_option("--profiles", profiles, "profiles in all")->check(CLI::Range(2, 10'000'000));
  app.add_option("--pairs", pairs, "planted request/offer pairs among them");
  app.add_option("--seed", seed, "random seed (same seed, same corpus)");
  app.add_option("--out", out_dir, "directory for <cc>.jsonl and labels.jsonl")->required();
  CLI11_PARSE(app, argc, argv);

  auto corpus = corpus::generate(profiles, pairs, seed);
  std::filesystem::create_directories(out_dir);
  std::map<std::string, std::ofstream> files;
  auto file = [&](const std::string& country) -> std::ofstream& {
    auto it = files.find(country);
    if (it != files.end()) return it->second;
    std::string name = country;
    for (auto& c : name) c = static_cast<char>(std::tolower(c));
    return files.emplace(country, std::ofstream(out_dir / (name + ".jsonl"))).first->second;
  };
  for (const auto& org : corpus.organisations) {
    nlohmann::json line = {{"ref", org.ref},
                           {"organisation",
                            {{"legalName", "Generated organisation " + org.ref},
                             {"country", org.country},
                             {"region", org.region},
                             {"type", type_name(org.type)},
                             {"headcount", org.headcount},
                             {"turnoverEur", std::to_string(org.turnover_eur)},
                             {"naceCodes", {org.nace}},
                             {"domains", {org.domain}},
                             {"languages", org.languages}}}};
    file(org.country) << line.dump() << "\n";
  }
  for (const auto& p : corpus.profiles) {
    const auto& owner = corpus.organisations[p.owner];
    std::vector<std::string> cooperation;
    for (auto c : p.cooperation) {
      auto schema = capnp::Schema::from<wire::CooperationType>();
      cooperation.push_back(schema.getEnumerants()[static_cast<unsigned>(c)].getProto().getName());
    }
    nlohmann::json line = {{"ownerRef", owner.ref},
                           {"publish", true},
                           {"profile",
                            {{"kind", kind_name(p.kind)},
                             {"title", p.title},
                             {"summary", p.summary},
                             {"description", p.description},
                             {"keywords", p.keywords},
                             {"naceCodes", p.nace},
                             {"domains", p.domains},
                             {"cooperationTypes", cooperation},
                             {"targetCountries", p.target_countries},
                             {"expiresOn", "2099-12-31"}}}};
    file(owner.country) << line.dump() << "\n";
  }
  std::ofstream labels(out_dir / "labels.jsonl");
  for (const auto& pair : corpus.planted) {
    const auto& r = corpus.profiles[pair.request];
    const auto& o = corpus.profiles[pair.offer];
    labels << nlohmann::json{{"request",
                              {{"country", corpus.organisations[r.owner].country},
                               {"title", r.title}}},
                             {"offer",
                              {{"country", corpus.organisations[o.owner].country},
                               {"title", o.title}}}}
                  .dump()
           << "\n";
  }
  std::cerr << "wrote " << corpus.organisations.size() << " organisations, "
            << corpus.profiles.size() << " profiles, " << corpus.planted.size()
            << " planted pairs to " << out_dir.string() << "\n";
  return 0;
}
