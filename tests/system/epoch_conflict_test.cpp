// A peer that serves a number it used before with other content under a new writer
// epoch (restored from a backup, or lying): the registry keeps both copies, reports
// the conflict, and never overwrites what it holds (issue 11, defect 2).
#include <catch2/catch.hpp>

#include "tests/support/hostile_peer.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;

namespace {

void fill_fi_owner(wire::PublicOrganisation::Builder org) {
  org.setId("FI-000001");
  org.setCountry("FI");
  org.setRegion("FI1B");
  org.setType(wire::OrgType::SME);
  org.setSizeClass(wire::SizeClass::SMALL);
  org.initNaceCodes(1).set(0, "26.70");
  org.initDomains(1).set(0, "photonics");
}

auto fi_profile(const std::string& id, const std::string& title) {
  return [id, title](wire::ProfilePublishedEvent::Builder event) {
    auto profile = event.initProfile();
    profile.setId(id);
    profile.setOwnerId("FI-000001");
    profile.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
    profile.setStatus(wire::ProfileStatus::PUBLISHED);
    profile.setTitle(title);
    profile.setSummary("Our camera system detects seam defects in steel frames.");
    profile.setExpiresOn(testing::iso_day(365));
    profile.initNaceCodes(1).set(0, "26.70");
    profile.initDomains(1).set(0, "photonics");
    fill_fi_owner(event.initOwner());
  };
}

std::string title_on_pl(Federation& f, const std::string& id) {
  auto reply = f.call<wire::ProfileGet>("PL", f.broker, "registry.profile.get",
                                        [&](auto get) { get.setId(id); });
  if (reply.header().type != "registry.profile.reply") return "";
  return reply.payload<wire::ProfileReply>().getProfile().getTitle();
}

}  // namespace

TEST_CASE("a seq served again with other content under a new epoch is kept beside, not over",
          "[system][peer]") {
  Federation f({"PL", "FI"}, false, "", {"FI"});
  HostilePeer fi(f.nodes.at("FI"), {&f.nodes.at("PL")});
  ApiClient client(f.watcher.keys);
  auto pl_health = [&] { return client.health(f.nodes.at("PL").registry.api, f.key("PL"), 1s); };
  fi.write<wire::OrgPublicEvent>("registry.org.public",
                                 [](auto event) { fill_fi_owner(event.initOrganisation()); });
  const std::string id = "TOFI20261130001";
  REQUIRE(fi.write<wire::ProfilePublishedEvent>("registry.profile.published",
                                                fi_profile(id, "Optical weld inspection")) == 2);
  REQUIRE(eventually(
      [&] {
        auto h = pl_health();
        return h && h->applied.count("FI") && h->applied.at("FI") == 2;
      },
      10s));
  REQUIRE(title_on_pl(f, id) == "Optical weld inspection");
  auto before = pl_health();
  REQUIRE(before);
  CHECK(before->metric("platform.epoch_conflicts") == 0);

  // FI "restored from a backup" numbers 2 again, under a later epoch, other content.
  fi.rewrite<wire::ProfilePublishedEvent>(2, fi.epoch() + 1, "registry.profile.published",
                                          fi_profile(id, "Forged title"));
  REQUIRE(eventually(
      [&] {
        auto h = pl_health();
        return h && h->metric("platform.epoch_conflicts") == 1;
      },
      // The conflict is seen on the next idle poll or heartbeat: seconds under the
      // sanitizers on a loaded machine (a CI run once missed 10 s).
      30s));
  auto after = pl_health();
  REQUIRE(after);
  CHECK(after->peers.at("FI").epoch_conflicts == 1);
  // The held copy stays: the replica was not overwritten.
  CHECK(title_on_pl(f, id) == "Optical weld inspection");
  CHECK(f.processes.at("PL")->log().find("epoch conflict") != std::string::npos);

  // The stream goes on: the next number is applied as usual, and the conflict is
  // counted once however often it is heard.
  fi.write<wire::ProfilePublishedEvent>("registry.profile.published",
                                        fi_profile("TOFI20261130002", "Second offer"));
  REQUIRE(eventually(
      [&] {
        auto h = pl_health();
        return h && h->applied.at("FI") == 3;
      },
      10s));
  CHECK(title_on_pl(f, "TOFI20261130002") == "Second offer");
  CHECK(pl_health()->metric("platform.epoch_conflicts") == 1);
}
