// A matching service whose disk fills: its subscriber's commits are refused by the
// free-room guard, so the index it built for the refused page ran ahead of its
// store and must be rebuilt from the store (MatchingCore::aborted). The test shows
// the index is never ahead of what is stored (a kill then a restart finds the same
// count), that the service keeps answering, and that it indexes everything it
// missed once the disk has room, without a restart. Matching's data directory is a
// small tmpfs the test mounts (root only, as in CI); the registry's is not.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

#include "tests/support/registry_federation.hpp"
#include "tests/support/small_disk.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::Federation;

namespace {

double indexed(Federation& f) {
  testing::ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at("PL").matching.api, f.key("PL"), 2s);
  return health ? health->metric("matching.index_profiles") : -1;
}

// Words drawn at random, so that the summaries do not compress away.
std::string summary(std::mt19937& random) {
  static const std::vector<std::string> words = {
      "laser",   "weld",      "sensor", "battery", "coating", "polymer",  "logistics",
      "harbour", "vision",    "timber", "biogas",  "textile", "robotics", "membrane",
      "enzyme",  "satellite", "grid",   "dairy",   "ferry",   "turbine"};
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::uniform_int_distribution<int> number(0, 99999);
  std::string out;
  while (out.size() < 900) out += words[pick(random)] + std::to_string(number(random)) + " ";
  return out;
}

// Publishes `count` profiles of `owner` with two pipelined rounds (submit, then
// publish): one call at a time would take minutes to fill even a small disk.
int publish_many(Federation& f, const std::string& owner, int count, int first,
                 std::mt19937& random) {
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;
  auto ok_payloads = [&](const std::vector<std::string>& replies, const char* type) {
    std::vector<std::string> ids;
    for (const auto& bytes : replies) {
      auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
      REQUIRE(d.ok());
      REQUIRE(d.value().header().type == type);
      ids.emplace_back(d.value().payload<wire::ProfileReply>().getProfile().getId());
    }
    return ids;
  };
  std::vector<std::string> submits;
  for (int i = 0; i < count; ++i) {
    EnvelopeBuilder request("PL", wire::Service::CTL, "registry.profile.submit");
    auto p = request.init_payload<wire::ProfileWrite>().initProfile();
    p.setOwnerId(owner);
    p.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
    p.setTitle("Profile " + std::to_string(first + i));
    p.setSummary(summary(random));
    p.setExpiresOn(testing::iso_day(365));
    p.initNaceCodes(1).set(0, "26.70");
    p.initDomains(1).set(0, "advanced-manufacturing");
    submits.push_back(request.encode());
  }
  auto submitted = client.pipeline(api, f.key("PL"), submits, 64, 30s);
  REQUIRE(submitted.size() == submits.size());
  std::vector<std::string> publishes;
  for (const auto& id : ok_payloads(submitted, "registry.profile.reply")) {
    EnvelopeBuilder request("PL", wire::Service::CTL, "registry.profile.transition");
    auto t = request.init_payload<wire::ProfileTransition>();
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
    publishes.push_back(request.encode());
  }
  auto published = client.pipeline(api, f.key("PL"), publishes, 64, 30s);
  REQUIRE(published.size() == publishes.size());
  return static_cast<int>(ok_payloads(published, "registry.profile.reply").size());
}

}  // namespace

TEST_CASE(
    "a matching service whose disk fills rebuilds its index from the store and catches up "
    "given room",
    "[fault][disk]") {
  const int guard_mib = 4;
  Federation f({"PL"}, false, "min_free_disk_mb = " + std::to_string(guard_mib) + "\n");
  const auto dir = f.nodes.at("PL").dir / "data" / "matching";
  testing::SmallDisk disk(dir, 64);
  REQUIRE(disk.mounted());  // needs root (CI runs as root)
  f.start_matching("PL");
  REQUIRE(testing::eventually([&] { return indexed(f) == 0; }, 60s));

  std::mt19937 random(7);
  auto publish_round = [&](int first) {
    auto reply = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register", [&](auto w) {
      auto org = w.initOrganisation();
      testing::fill_org(org);
    });
    REQUIRE(reply.header().type == "registry.org.reply");
    std::string owner = reply.payload<wire::OrgReply>().getOrganisation().getId();
    return publish_many(f, owner, 100, first, random);
  };
  int published = publish_round(0);
  REQUIRE(testing::eventually([&] { return indexed(f) == published; }, 30s));

  // Something else fills the disk (RocksDB preallocates its log, so matching's own
  // writes would take tens of megabytes to): less room left than the guard keeps.
  auto free_kib = std::filesystem::space(dir).free >> 10;
  auto filler_kib = free_kib - (guard_mib - 1) * 1024;
  REQUIRE(std::system(("dd if=/dev/zero of='" + (dir / "filler").string() +
                       "' bs=1024 count=" + std::to_string(filler_kib) + " status=none")
                          .c_str()) == 0);
  auto& matching = *f.matchers.at("PL");
  published += publish_round(published);
  auto refused = [&] { return matching.log().find("commit failed") != std::string::npos; };
  INFO(published << " published\n" << matching.log());
  REQUIRE(testing::eventually(refused, 15s));
  std::this_thread::sleep_for(2s);  // a few more refused tries of the subscriber
  // Each refused try rebuilds the index from the store: under the sanitizers a
  // health question may wait longer than one reading's timeout.
  double low = -1;
  CHECK(testing::eventually(
      [&] {
        low = indexed(f);
        return low >= 0;
      },
      60s));
  INFO("indexed while the disk is full: " << low);
  CHECK(low == 100);  // the refused pages are not in the index
  CHECK(matching.running());

  // The index was no further than the store: a matching killed now and started on
  // the same store indexes the same profiles (the disk still full).
  matching.kill_hard();
  f.start_matching("PL");
  double rebuilt = -1;
  CHECK(testing::eventually(
      [&] {
        rebuilt = indexed(f);
        return rebuilt >= 0;
      },
      60s));
  CHECK(rebuilt == low);

  // Given room, it catches up what it missed, without a restart.
  auto pid = f.matchers.at("PL")->pid();
  std::filesystem::remove(dir / "filler");
  CHECK(testing::eventually([&] { return indexed(f) == published; }, 30s));
  CHECK(f.matchers.at("PL")->running());
  CHECK(f.matchers.at("PL")->pid() == pid);
}
