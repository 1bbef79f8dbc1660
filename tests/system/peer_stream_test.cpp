// A peer's stream as local services see it through their registry: an event the
// registry refuses must not stall the origin downstream (matching), nothing may
// poll in a loop afterwards, and a message really lost on the way is still caught up.
#include <catch2/catch.hpp>

#include <functional>

#include "tests/support/hostile_peer.hpp"
#include "tests/support/registry_federation.hpp"
#include "tests/support/time_scale.hpp"

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

using ProfileTweak = std::function<void(wire::Profile::Builder)>;

uint64_t publish_fi_profile(HostilePeer& fi, uint32_t number, bool publish = true,
                            const ProfileTweak& tweak = {}) {
  return fi.write<wire::ProfilePublishedEvent>(
      "registry.profile.published",
      [&](auto event) {
        auto profile = event.initProfile();
        profile.setId("TOFI20261130" + std::string(number < 10 ? "00" : "0") +
                      std::to_string(number));
        profile.setOwnerId("FI-000001");
        profile.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
        profile.setStatus(wire::ProfileStatus::PUBLISHED);
        profile.setTitle("Optical weld inspection with machine vision");
        profile.setSummary("Our camera system detects seam defects in steel frames.");
        profile.setExpiresOn(testing::iso_day(365));
        profile.initNaceCodes(1).set(0, "26.70");
        profile.initDomains(1).set(0, "photonics");
        fill_fi_owner(event.initOwner());
        if (tweak) tweak(profile);
      },
      publish);
}

struct Downstream {
  double index_profiles = -1;
  uint64_t matching_fi = 0;
  uint64_t registry_fi = 0;
};

double registry_metric(Federation& f, const std::string& name) {
  ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 1s);
  return health ? health->metric(name) : -1;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

Downstream downstream(Federation& f) {
  ApiClient client(f.watcher.keys);
  Downstream d;
  if (auto m = client.health(f.nodes.at("PL").matching.api, f.key("PL"), 1s)) {
    d.index_profiles = m->metric("matching.index_profiles");
    d.matching_fi = m->applied.count("FI") ? m->applied.at("FI") : 0;
  }
  if (auto r = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 1s)) {
    d.registry_fi = r->applied.count("FI") ? r->applied.at("FI") : 0;
  }
  return d;
}

}  // namespace

TEST_CASE("an event the registry refuses does not stall the origin for local services",
          "[system][peer]") {
  Federation f({"PL", "FI"}, true, "", {"FI"});
  HostilePeer fi(f.nodes.at("FI"), {&f.nodes.at("PL")});
  // Seq 1 speaks for a Danish organisation: PL's registry must refuse it.
  fi.write<wire::OrgPublicEvent>("registry.org.public", [](auto event) {
    auto org = event.initOrganisation();
    org.setId("DK-000001");
    org.setCountry("DK");
  });
  fi.write<wire::OrgPublicEvent>("registry.org.public",
                                 [](auto event) { fill_fi_owner(event.initOrganisation()); });
  auto last = publish_fi_profile(fi, 1);
  REQUIRE(last == 3);

  // The valid events reach PL's matching promptly (the 1 s of the issue, plus the
  // time a loaded test machine needs to connect).
  REQUIRE(eventually(
      [&] {
        auto d = downstream(f);
        return d.index_profiles == 1 && d.matching_fi == 3 && d.registry_fi == 3;
      },
      10s));
  CHECK(f.processes.at("PL")->log().find("rejected and passed over") != std::string::npos);
  // Later events flow within a second of being written (four under ASan:
  // time_scale.hpp; a sanitizer CI run missed the second once).
  publish_fi_profile(fi, 2);
  CHECK(eventually([&] { return downstream(f).index_profiles == 2; }, testing::scaled(1s)));

  // Idle afterwards: nobody asks for catch-up in a loop.
  auto registry_pid = f.processes.at("PL")->pid();
  auto matching_pid = f.matchers.at("PL")->pid();
  double registry_before = cpu_seconds(registry_pid);
  double matching_before = cpu_seconds(matching_pid);
  std::this_thread::sleep_for(10s);
  CHECK(cpu_seconds(registry_pid) - registry_before < 0.5);
  CHECK(cpu_seconds(matching_pid) - matching_before < 0.5);
  auto d = downstream(f);
  CHECK(d.matching_fi == 4);
}

TEST_CASE("an event lost on the way is still caught up: holes are not skipped", "[system][peer]") {
  Federation f({"PL", "FI"}, true, "", {"FI"});
  HostilePeer fi(f.nodes.at("FI"), {&f.nodes.at("PL")});
  fi.write<wire::OrgPublicEvent>("registry.org.public",
                                 [](auto event) { fill_fi_owner(event.initOrganisation()); });
  REQUIRE(eventually([&] { return downstream(f).registry_fi == 1; }, 10s));
  publish_fi_profile(fi, 1, false);  // committed by the peer, never published
  publish_fi_profile(fi, 2);
  REQUIRE(eventually([&] { return downstream(f).matching_fi == 3; }, 10s));
  CHECK(downstream(f).index_profiles == 2);
}

TEST_CASE("a peer's poison events are checked and counted and logged once and never relayed unread",
          "[system][peer]") {
  Federation f({"PL", "FI"}, true, "", {"FI"});
  HostilePeer fi(f.nodes.at("FI"), {&f.nodes.at("PL")});
  fi.write<wire::OrgPublicEvent>("registry.org.public",
                                 [](auto event) { fill_fi_owner(event.initOrganisation()); });
  // Content a registry would refuse from its own clients (issue 11, D5, D19).
  publish_fi_profile(fi, 1, true, [](auto p) { p.setTrl(77); });
  publish_fi_profile(fi, 2, true, [](auto p) { p.setExpiresOn("2099-12-31"); });
  publish_fi_profile(fi, 3, true, [](auto p) { p.setDescription(std::string(9000, 'x')); });
  // A type no registry publishes, carrying a marker (D17).
  const std::string marker = "UNKNOWN-TYPE-CONTENT-7f3a";
  fi.write<wire::OrgPublicEvent>("registry.org.secret", [&](auto event) {
    fill_fi_owner(event.initOrganisation());
    event.getOrganisation().setLegalName(marker);
  });
  // Bytes nobody can read, served by catch-up only (D6).
  auto spoiled = publish_fi_profile(fi, 4, false);
  fi.spoil(spoiled, "not an envelope at all");
  // An envelope of another country, and one numbered other than its place, in the
  // page (outside findings, wave 3: each stopped the country for good).
  auto foreign = publish_fi_profile(fi, 5, false);
  EnvelopeBuilder danish("DK", wire::Service::REGISTRY, "registry.org.public", foreign);
  fill_fi_owner(danish.init_payload<wire::OrgPublicEvent>().initOrganisation());
  fi.spoil(foreign, danish.encode());
  auto misnumbered = publish_fi_profile(fi, 6, false);
  EnvelopeBuilder far("FI", wire::Service::REGISTRY, "registry.org.public", misnumbered + 99);
  fill_fi_owner(far.init_payload<wire::OrgPublicEvent>().initOrganisation());
  fi.spoil(misnumbered, far.encode());
  // A valid one after them all.
  auto last = publish_fi_profile(fi, 7);
  REQUIRE(last == 9);

  // The country is not frozen: the valid profile reaches PL's matching, and both
  // services applied every number.
  REQUIRE(eventually(
      [&] {
        auto d = downstream(f);
        return d.index_profiles == 1 && d.matching_fi == 9 && d.registry_fi == 9;
      },
      15s));
  // Counted where an operator looks (D8): the seven refused events of the peer.
  CHECK(registry_metric(f, "platform.events_rejected") == 7);
  CHECK(registry_metric(f, "platform.events_malformed") >= 1);
  // Logged once for the origin, not once per event (D18): the seven came within 10 s.
  auto log = f.processes.at("PL")->log();
  INFO(log);
  // (Two lines at most: a loaded machine may spread the seven over 10 s.)
  CHECK(count_of(log, "passed over") >= 1);
  CHECK(count_of(log, "passed over") <= 2);
  // The unknown type's content was never relayed into PL's log (nor kept anywhere).
  CHECK(files_holding(f.nodes.at("PL").dir, marker).empty());
}

TEST_CASE("a peer's frame over the size limit costs a fresh connection and not the stream",
          "[system][peer]") {
  Federation f({"PL", "FI"}, false, "", {"FI"});
  HostilePeer fi(f.nodes.at("FI"), {&f.nodes.at("PL")});
  fi.write<wire::OrgPublicEvent>("registry.org.public",
                                 [](auto event) { fill_fi_owner(event.initOrganisation()); });
  REQUIRE(eventually([&] { return downstream(f).registry_fi == 1; }, 15s));
  // An event of 1.5 MB (the limit is 1 MiB), published live and served by catch-up
  // until PL has asked for it: libzmq drops both connections and, by itself, never
  // comes back (outside findings, wave 3: replication from FI ended until restart).
  auto big = publish_fi_profile(fi, 1, true,
                                [](auto p) { p.setDescription(std::string(1'500'000, 'x')); });
  std::this_thread::sleep_for(8s);          // PL's idle catch-up poll (5 s) has fetched it
  fi.spoil(big, "not an envelope at all");  // what the writer serves from now on
  publish_fi_profile(fi, 2);
  // PL connects afresh after 10 s of silence, passes the bad number over and applies
  // the next one.
  CHECK(eventually([&] { return downstream(f).registry_fi == 3; }, 40s));
  CHECK(registry_metric(f, "platform.stream_reconnects") >= 1);
}

// Outside wave 4, M5: a federation with peer_expired_ms below the idle catch-up poll
// (5 s) reconnected every sync socket every poll, healthy and idle as it was: the
// sync socket answers only when asked, so its silence counts in polls.
TEST_CASE("a healthy idle federation keeps its connections", "[system][peer]") {
  Federation f({"PL", "FI"}, false, "peer_evasive_ms = 1000\npeer_expired_ms = 2000\n");
  std::this_thread::sleep_for(12s);
  for (const auto& country : {"PL", "FI"}) {
    ApiClient client(f.watcher.keys);
    auto health = client.health(f.nodes.at(country).registry.api, f.key(country), 2s);
    REQUIRE(health);
    INFO(country << "\n" << f.processes.at(country)->log());
    CHECK(health->metric("platform.stream_reconnects") == 0);
    CHECK(f.processes.at(country)->log().find("connecting afresh") == std::string::npos);
  }
}
