// gosmart-gen-corpus: writes a generated, labelled corpus (corpus.hpp) as JSON Lines
// that `gosmartctl org import` takes, one file per country, and the planted pairs as labels.
//   gosmart-gen-corpus --profiles 2000 --pairs 200 --seed 7 [--today YYYY-MM-DD] --out DIR
// Profiles carry their dates (an expired one is imported as expired: a migration),
// preferences, requirements and target countries; labels.jsonl marks the pairs whose
// one side names a facet in its national language only (crossLanguage).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
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

template <class Enum>
std::string enum_name(Enum value) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  return enumerants[static_cast<unsigned>(value)].getProto().getName().cStr();
}

template <class Enum>
std::vector<std::string> enum_names(const std::vector<Enum>& values) {
  std::vector<std::string> out;
  for (auto value : values) out.push_back(enum_name(value));
  return out;
}

std::string today_iso() {
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  std::chrono::year_month_day date{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
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
  std::string today = today_iso();
  app.add_option("--today", today, "YYYY-MM-DD the dates are drawn around (default: today)");
  CLI11_PARSE(app, argc, argv);

  auto corpus = corpus::generate(profiles, pairs, seed, today);
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
                             {"type", enum_name(org.type)},
                             {"headcount", org.headcount},
                             {"turnoverEur", std::to_string(org.turnover_eur)},
                             {"naceCodes", {org.nace}},
                             {"domains", {org.domain}},
                             {"languages", org.languages}}}};
    file(org.country) << line.dump() << "\n";
  }
  for (const auto& p : corpus.profiles) {
    const auto& owner = corpus.organisations[p.owner];
    nlohmann::json profile = {{"kind", kind_name(p.kind)},
                              {"title", p.title},
                              {"summary", p.summary},
                              {"description", p.description},
                              {"keywords", p.keywords},
                              {"naceCodes", p.nace},
                              {"domains", p.domains},
                              {"cooperationTypes", enum_names(p.cooperation)},
                              {"targetCountries", p.target_countries},
                              {"partnerTypes", enum_names(p.partner_types)},
                              {"partnerSizes", enum_names(p.partner_sizes)},
                              {"requirements", enum_names(p.requirements)},
                              {"publishedOn", p.published_on},
                              {"expiresOn", p.expires_on}};
    if (p.kind == wire::ProfileKind::RESEARCH_PARTNER_REQUEST) {
      // Deadlines left out: a migration carries many requests without them.
      profile["research"] = {{"call", "Horizon Europe, Cluster 4, open call"},
                             {"roleSought", "partner"}};
    }
    nlohmann::json line = {{"ownerRef", owner.ref}, {"publish", true}, {"profile", profile}};
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
                               {"title", o.title}}},
                             {"crossLanguage", pair.cross_language}}
                  .dump()
           << "\n";
  }
  std::cerr << "wrote " << corpus.organisations.size() << " organisations, "
            << corpus.profiles.size() << " profiles, " << corpus.planted.size()
            << " planted pairs to " << out_dir.string() << "\n";
  return 0;
}
