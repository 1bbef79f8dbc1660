// A network partition between two nodes, each on its own host (a network namespace
// the test makes: tests/support/netns.hpp): the link between them is cut while both
// keep serving their own users, and healed; what each published meanwhile reaches
// the other through catch-up, with nothing lost, repeated or reordered (the
// design's promise: no central server; a node that was away catches up).
#include <catch2/catch.hpp>

#include "schemas/matching.capnp.h"
#include "services/matching/matching.hpp"
#include "tests/support/netns.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;

namespace {

std::string register_org(Federation& f, const std::string& country, const std::string& name) {
  auto reply = f.call<wire::OrgWrite>(country, f.broker, "registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry(country);
    org.setRegion(country == "PL" ? "PL63" : "FI1B");
    org.setLegalName(name);
  });
  ensure(reply.header().type == "registry.org.reply", country + ": registration refused");
  return reply.payload<wire::OrgReply>().getOrganisation().getId();
}

std::string publish_offer(Federation& f, const std::string& country, const std::string& owner,
                          int number) {
  return publish(f, country, owner, wire::ProfileKind::TECHNOLOGY_OFFER,
                 "Vacuum coating line, offer " + std::to_string(number),
                 "Anti-reflective coatings for infrared optics, made to order.");
}

struct Heads {
  uint64_t written = 0;                  // the node's own stream
  std::map<std::string, uint64_t> seen;  // what it applied of each peer's
};

std::optional<Heads> heads(Federation& f, const std::string& country) {
  ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at(country).registry.api, f.key(country), 1s);
  if (!health) return std::nullopt;
  return Heads{health->last_seq_written, health->applied};
}

// Whether `reader` has applied all that `writer` wrote.
bool caught_up(Federation& f, const std::string& reader, const std::string& writer) {
  auto from = heads(f, writer);
  auto to = heads(f, reader);
  return from && to && from->written > 0 && to->seen[writer] == from->written;
}

bool profile_seen(Federation& f, const std::string& country, const std::string& id) {
  auto reply = f.call<wire::ProfileGet>(country, f.broker, "registry.profile.get",
                                        [&](auto g) { g.setId(id); });
  return reply.header().type == "registry.profile.reply";
}

// PL and FI, each on its own host (its registry, and matching if asked for).
struct PlOnTwoHosts {
  explicit PlOnTwoHosts(bool with_matching)
      : f({"PL", "FI"}, with_matching, "", {}, false,
          {{"PL", at(hosts.first())}, {"FI", at(hosts.second())}}) {}
  static Placement at(const PartitionableHosts::Host& host) {
    return Placement{host.test_side, host.peer_side, host.launcher};
  }
  PartitionableHosts hosts;  // made before the federation, removed after it
  Federation f;
  // An organisation on each side, seen by the other: (PL's, FI's).
  std::pair<std::string, std::string> owners_seen_both_ways() {
    auto pl = register_org(f, "PL", "Optika Gdańsk sp. z o.o.");
    auto fi = register_org(f, "FI", "Lumo Optics Oy");
    REQUIRE(eventually([&] { return caught_up(f, "FI", "PL") && caught_up(f, "PL", "FI"); }, 20s));
    return {pl, fi};
  }
};

}  // namespace

TEST_CASE("a partition between two nodes: each goes on alone, and both catch up once it heals",
          "[fault][partition]") {
  PlOnTwoHosts placed(false);
  auto& hosts = placed.hosts;
  auto& f = placed.f;

  auto pl_owner = register_org(f, "PL", "Optika Gdańsk sp. z o.o.");
  auto fi_owner = register_org(f, "FI", "Lumo Optics Oy");
  auto before = publish_offer(f, "PL", pl_owner, 0);
  REQUIRE(eventually([&] { return profile_seen(f, "FI", before); }, 20s));

  hosts.cut();
  // Each side serves its own users: writes are taken and acknowledged.
  std::vector<std::string> pl_during, fi_during;
  for (int i = 1; i <= 12; ++i) pl_during.push_back(publish_offer(f, "PL", pl_owner, i));
  for (int i = 1; i <= 5; ++i) fi_during.push_back(publish_offer(f, "FI", fi_owner, i));
  // Longer than the heartbeats (200 ms) that declare a silent connection dead, and
  // than a reconnect's longest back-off (5 s): the link really is gone meanwhile.
  std::this_thread::sleep_for(6s);
  auto pl = heads(f, "PL");
  auto fi = heads(f, "FI");
  REQUIRE(pl);
  REQUIRE(fi);
  CHECK(fi->seen["PL"] < pl->written);
  CHECK(pl->seen["FI"] < fi->written);
  CHECK_FALSE(profile_seen(f, "FI", pl_during.back()));

  hosts.heal();
  auto healed = std::chrono::steady_clock::now();
  CHECK(eventually([&] { return caught_up(f, "FI", "PL") && caught_up(f, "PL", "FI"); }, 60s));
  INFO("caught up " << std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - healed)
                           .count()
                    << " ms after the link healed");
  for (const auto& id : pl_during) CHECK(profile_seen(f, "FI", id));
  for (const auto& id : fi_during) CHECK(profile_seen(f, "PL", id));
  // Nothing was refused or repeated on the way: each side applied exactly the
  // other's numbers, and neither saw a regression or an epoch conflict.
  ApiClient client(f.watcher.keys);
  for (const std::string country : {"PL", "FI"}) {
    auto health = client.health(f.nodes.at(country).registry.api, f.key(country), 1s);
    REQUIRE(health);
    for (const auto& [peer, state] : health->peers) {
      INFO(country << " sees " << peer);
      CHECK_FALSE(state.regressed);
      CHECK(state.epoch_conflicts == 0);
    }
  }
  // And the link keeps working after: a write now arrives like any other.
  auto after = publish_offer(f, "FI", fi_owner, 99);
  CHECK(eventually([&] { return profile_seen(f, "PL", after); }, 20s));
}

TEST_CASE("a node killed during a partition and restarted before it heals loses nothing",
          "[fault][partition]") {
  // The partition and a crash at once: FI's registry dies (SIGKILL) with the link
  // cut, after acknowledging writes of its own, and comes back before the link does.
  PlOnTwoHosts placed(false);
  auto& hosts = placed.hosts;
  auto& f = placed.f;
  auto [pl_owner, fi_owner] = placed.owners_seen_both_ways();

  hosts.cut();
  std::vector<std::string> pl_during, fi_during;
  for (int i = 1; i <= 8; ++i) pl_during.push_back(publish_offer(f, "PL", pl_owner, i));
  for (int i = 1; i <= 4; ++i) fi_during.push_back(publish_offer(f, "FI", fi_owner, i));
  f.processes.at("FI")->kill_hard();
  for (int i = 9; i <= 12; ++i) pl_during.push_back(publish_offer(f, "PL", pl_owner, i));
  f.start("FI");
  f.await("FI");
  // What FI acknowledged before the kill is still there, and it takes writes again.
  for (const auto& id : fi_during) CHECK(profile_seen(f, "FI", id));
  fi_during.push_back(publish_offer(f, "FI", fi_owner, 5));
  std::this_thread::sleep_for(2s);

  hosts.heal();
  CHECK(eventually([&] { return caught_up(f, "FI", "PL") && caught_up(f, "PL", "FI"); }, 60s));
  for (const auto& id : pl_during) CHECK(profile_seen(f, "FI", id));
  for (const auto& id : fi_during) CHECK(profile_seen(f, "PL", id));
}

TEST_CASE(
    "a request and an offer published on either side of a partition are matched once "
    "it heals",
    "[fault][partition]") {
  // Matching reads the node's registry, which holds the peer's replicas: a partner
  // published while the link was cut is found after it heals, and announced once.
  PlOnTwoHosts placed(true);
  auto& hosts = placed.hosts;
  auto& f = placed.f;
  auto pl_owner = register_org(f, "PL", "Stal Gdańsk S.A.");
  auto fi_owner = register_org(f, "FI", "Lumo Optics Oy");
  REQUIRE(eventually([&] { return caught_up(f, "FI", "PL") && caught_up(f, "PL", "FI"); }, 20s));

  hosts.cut();
  auto request = publish(f, "PL", pl_owner, wire::ProfileKind::TECHNOLOGY_REQUEST,
                         "Machine vision for weld inspection",
                         "We need an automated optical inspection system that finds defects in "
                         "welded seams of steel frames on our production line.");
  auto offer = publish(f, "FI", fi_owner, wire::ProfileKind::TECHNOLOGY_OFFER,
                       "Optical weld inspection with machine vision",
                       "Our camera system detects seam defects automatically, for steel "
                       "fabrication and production lines.");
  auto pair = matching::match_id(request, offer);
  auto state = [&](const std::string& country) -> std::optional<wire::MatchState> {
    auto reply = f.call<wire::MatchGet>(country, f.watcher, "matching.match.get",
                                        [&](auto g) { g.setMatchId(pair); });
    if (reply.header().type != "matching.match.reply") return std::nullopt;
    return reply.payload<wire::MatchReply>().getMatch().getState();
  };
  std::this_thread::sleep_for(3s);
  CHECK_FALSE(state("PL").has_value());  // neither side can know of the other's yet
  CHECK_FALSE(state("FI").has_value());

  hosts.heal();
  CHECK(eventually([&] { return state("PL") == wire::MatchState::ANNOUNCED; }, 60s));
  CHECK(eventually([&] { return state("FI") == wire::MatchState::ANNOUNCED; }, 60s));
}

TEST_CASE("a silent one-way partition longer than TCP's patience ends in a catch-up within seconds",
          "[fault][partition]") {
  // The link stays up, but what PL sends to FI is dropped without a word (a firewall
  // that drops, a route lost far away): FI still hears PL's packets' absence only
  // through its heartbeats, and each side's reconnects wait on SYNs that go
  // unanswered, retried by the kernel 1, 3, 7, 15 and 31 s after the first. Once
  // the drop ends, catching up must not wait for the kernel's next try.
  PlOnTwoHosts placed(false);
  auto& hosts = placed.hosts;
  auto& f = placed.f;
  auto [pl_owner, fi_owner] = placed.owners_seen_both_ways();

  hosts.drop(PartitionableHosts::Direction::first_to_second);
  std::vector<std::string> pl_during, fi_during;
  for (int i = 1; i <= 3; ++i) pl_during.push_back(publish_offer(f, "PL", pl_owner, i));
  for (int i = 1; i <= 3; ++i) fi_during.push_back(publish_offer(f, "FI", fi_owner, i));
  std::this_thread::sleep_for(35s);
  CHECK_FALSE(caught_up(f, "FI", "PL"));
  CHECK_FALSE(caught_up(f, "PL", "FI"));

  hosts.stop_dropping();
  auto healed = std::chrono::steady_clock::now();
  bool both = eventually([&] { return caught_up(f, "FI", "PL") && caught_up(f, "PL", "FI"); }, 60s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - healed)
                  .count();
  WARN("caught up " << took << " ms after the drop ended");
  REQUIRE(both);
  // Heartbeats of 200 ms and a reconnect back-off of at most 5 s: well within 10 s.
  CHECK(took < 10'000);
  for (const auto& id : pl_during) CHECK(profile_seen(f, "FI", id));
  for (const auto& id : fi_during) CHECK(profile_seen(f, "PL", id));
}
