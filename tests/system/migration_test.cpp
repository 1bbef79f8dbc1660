// A partner moving from an existing partnering database imports its profiles as they
// were (issue 12): an expired profile is kept expired, shown to its owner and never
// matched; original dates are kept; a research request without call deadlines is
// taken; expiresOn equal to today is the last day shown, not refused.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "schemas/matching.capnp.h"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using namespace std::chrono_literals;

namespace {

std::string today_iso() {
  return iso_day(0);
}

double indexed(Federation& f, const std::string& country) {
  ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at(country).matching.api, f.key(country), 1s);
  return health ? health->metric("matching.index_profiles") : -1;
}

// The id of the profile an import report's line names ("line 2: ok TRPL… …").
std::string id_on_line(const std::string& report, int line) {
  auto at = report.find("line " + std::to_string(line) + ": ok ");
  if (at == std::string::npos) return "";
  at += 10 + std::to_string(line).size();
  return report.substr(at, report.find_first_of(" \n", at) - at);
}

const char* kText =
    R"("summary":"Machine vision that finds defects in welded seams of steel frames.","keywords":["machine vision","welding"],"domains":["advanced-manufacturing"],"naceCodes":["26.70"])";

}  // namespace

TEST_CASE("a migration keeps expired profiles expired and unmatched, with their dates",
          "[system][matching]") {
  Federation f({"PL", "FI"}, true);
  auto keys = f.dir.path() / "ops";
  std::ofstream(keys.string() + ".public") << f.broker.keys.public_key << "\n";
  std::ofstream(keys.string() + ".secret") << f.broker.keys.secret_key << "\n";
  std::string today = today_iso();
  auto import = [&](const std::string& country, const std::vector<std::string>& lines) {
    auto input = f.dir.path() / (country + ".jsonl");
    {
      std::ofstream out(input);
      for (const auto& line : lines) out << line << "\n";
    }
    Process tool(
        {binary("gosmartctl").string(), "--config", f.nodes.at(country).config_file.string(),
         "--key", keys.string(), "org", "import", input.string()},
        f.dir.path() / (country + "-import.out"));
    CHECK(tool.wait(60s) == 0);
    return tool.log();
  };

  auto pl = import(
      "PL",
      {R"({"ref":"a","organisation":{"legalName":"Alpha","country":"PL","region":"PL63","type":"sme","naceCodes":["25.11"],"languages":["pl","en"]}})",
       std::string(
           R"({"ownerRef":"a","publish":true,"profile":{"kind":"technologyRequest","title":"Weld inspection wanted",)") +
           kText + R"(,"publishedOn":"2023-04-01","expiresOn":"2024-03-31"}})",
       std::string(
           R"({"ownerRef":"a","publish":true,"profile":{"kind":"researchPartnerRequest","title":"Consortium on weld inspection",)") +
           kText + R"(,"publishedOn":"2025-06-01","expiresOn":")" + iso_day(365) +
           R"(","research":{"call":"Horizon Europe, open call","roleSought":"partner"}}})",
       std::string(
           R"({"ownerRef":"a","publish":true,"profile":{"kind":"technologyRequest","title":"Seam defects found by cameras",)") +
           kText + R"(,"expiresOn":")" + today + R"("}})"});
  INFO(pl);
  CHECK(pl.find("line 2: ok TRPL") != std::string::npos);
  CHECK(pl.find("expired (kept, not published)") != std::string::npos);
  CHECK(pl.find("imported 1 organisations and 3 profiles (2 published); rejected 0 lines") !=
        std::string::npos);
  auto expired = id_on_line(pl, 2), research = id_on_line(pl, 3), last_day = id_on_line(pl, 4);
  REQUIRE(!expired.empty());
  REQUIRE(!research.empty());
  REQUIRE(!last_day.empty());

  auto fi = import(
      "FI",
      {R"({"ref":"b","organisation":{"legalName":"Beta","country":"FI","region":"FI1B","type":"sme","naceCodes":["26.70"],"languages":["fi","en"]}})",
       std::string(
           R"({"ownerRef":"b","publish":true,"profile":{"kind":"technologyOffer","title":"Camera inspection of welded seams",)") +
           kText + R"(,"expiresOn":")" + iso_day(365) + R"("}})",
       R"({"ref":"c","organisation":{"legalName":"Gamma University","country":"FI","region":"FI1B","type":"university","naceCodes":["85.42"],"domains":["advanced-manufacturing"],"languages":["fi","en"]}})"});
  INFO(fi);
  auto offer = id_on_line(fi, 2);
  REQUIRE(!offer.empty());

  // The owner's registry keeps each with its status and original dates.
  auto get = [&](const std::string& id) {
    auto reply = f.call<wire::ProfileGet>("PL", f.broker, "registry.profile.get",
                                          [&](auto g) { g.setId(id); });
    REQUIRE(reply.header().type == "registry.profile.reply");
    capnp::MallocMessageBuilder copy;
    copy.setRoot(reply.payload<wire::ProfileReply>().getProfile());
    auto p = copy.getRoot<wire::Profile>().asReader();
    return std::make_tuple(p.getStatus(), std::string(p.getPublishedOn()),
                           std::string(p.getExpiresOn()));
  };
  CHECK(get(expired) == std::make_tuple(wire::ProfileStatus::EXPIRED, std::string("2023-04-01"),
                                        std::string("2024-03-31")));
  CHECK(get(research) ==
        std::make_tuple(wire::ProfileStatus::PUBLISHED, std::string("2025-06-01"), iso_day(365)));
  CHECK(get(last_day) == std::make_tuple(wire::ProfileStatus::PUBLISHED, today, today));

  // Matching never sees the expired one: FI indexes PL's two published and its own.
  REQUIRE(eventually([&] { return indexed(f, "FI") == 3 && indexed(f, "PL") == 3; }, 20s));
  auto partners = f.call<wire::PartnersRequest>("FI", f.watcher, "matching.partners", [&](auto r) {
    r.setProfileId(offer);
    r.setAll(true);
    r.setLimit(20);
  });
  REQUIRE(partners.header().type == "matching.partners.reply");
  std::set<std::string> found;
  for (auto m : partners.payload<wire::PartnersReply>().getMatches()) {
    found.insert(m.getB().getProfileId());
  }
  CHECK(found == std::set<std::string>{research, last_day});
  // The research request's owner also sees organisations able to do the research that
  // have no profile: FI's university, not the FI firm whose offer is in the list.
  std::vector<std::string> organisations;
  CHECK(eventually(
      [&] {
        auto reply = f.call<wire::PartnersRequest>("PL", f.watcher, "matching.partners",
                                                   [&](auto r) { r.setProfileId(research); });
        if (reply.header().type != "matching.partners.reply") return false;
        organisations.clear();
        for (auto o : reply.payload<wire::PartnersReply>().getOrganisations()) {
          organisations.push_back(std::string(o.getCountry()) + " " +
                                  (o.getType() == wire::OrgType::UNIVERSITY ? "university" : "?"));
        }
        return !organisations.empty();
      },
      20s));
  CHECK(organisations == std::vector<std::string>{"FI university"});
  auto unknown = f.call<wire::PartnersRequest>("PL", f.watcher, "matching.partners",
                                               [&](auto r) { r.setProfileId(expired); });
  CHECK(unknown.header().type == "error");
}
