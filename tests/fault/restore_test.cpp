// A registry restored from a backup (its data directory replaced by an older copy
// of itself) takes back from its peers the events it lost, numbers on past them,
// erases again what was erased after the backup, and says so in its status
// (issue 11, defect 2).
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/core/key_files.hpp"
#include "tests/support/hostile_peer.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string register_pl(testing::Federation& f, int n) {
  auto reply = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    testing::fill_org(org);
    org.setLegalName("Organisation " + std::to_string(n));
  });
  testing::ensure(reply.header().type == "registry.org.reply", "registration refused");
  return reply.payload<wire::OrgReply>().getOrganisation().getId();
}

uint64_t applied_pl(testing::Federation& f, const std::string& country) {
  testing::ApiClient client(f.watcher.keys);
  auto h = client.health(f.nodes.at(country).registry.api, f.key(country), 1s);
  return h && h->applied.count("PL") ? h->applied.at("PL") : 0;
}

std::optional<testing::HealthSnapshot> health(testing::Federation& f, const std::string& country) {
  testing::ApiClient client(f.watcher.keys);
  return client.health(f.nodes.at(country).registry.api, f.key(country), 1s);
}

std::string digest(testing::Federation& f, const std::string& country) {
  auto raw = f.call_raw<wire::StateDigestRequest>(country, f.watcher, "registry.state.digest",
                                                  [](auto) {});
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  if (!d || d.value().header().type != "registry.state.digest.reply") return "";
  return d.value().payload<wire::StateDigest>().getDigest();
}

void stop(testing::Federation& f, const std::string& country) {
  f.processes.at(country)->signal(SIGTERM);
  REQUIRE(f.processes.at(country)->wait(20s) == 0);
}

}  // namespace

TEST_CASE("a registry restored from a backup takes its lost events back from its peers",
          "[fault][restore]") {
  testing::Federation f({"PL", "FI", "DK"}, true);  // matching too: status reads every service
  for (int n = 1; n <= 4; ++n) register_pl(f, n);
  REQUIRE(testing::eventually([&] { return applied_pl(f, "FI") == 4 && applied_pl(f, "DK") == 4; },
                              15s));

  // The backup: the data directory of PL's registry as it is after event 4.
  const fs::path data = f.nodes.at("PL").dir / "data" / "registry";
  const fs::path backup = f.dir.path() / "pl-backup";
  stop(f, "PL");
  fs::copy(data, backup, fs::copy_options::recursive);
  f.start("PL");
  f.await("PL");

  // After the backup: five registrations and the erasure of one from before it.
  for (int n = 5; n <= 9; ++n) register_pl(f, n);
  auto erased = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [](auto e) {
    e.setId("PL-000002");
    e.setReason("data-protection request");
  });
  REQUIRE(erased.header().type == "registry.org.erased.reply");
  REQUIRE(health(f, "PL")->last_seq_written == 10);
  REQUIRE(testing::eventually(
      [&] { return applied_pl(f, "FI") == 10 && applied_pl(f, "DK") == 10; }, 15s));

  // The restore: the data directory replaced by the backup, the node started again.
  stop(f, "PL");
  fs::remove_all(data);
  fs::copy(backup, data, fs::copy_options::recursive);
  f.start("PL");
  f.await("PL");

  // It learns it regressed and takes #5..#10 back from FI and DK.
  REQUIRE(testing::eventually(
      [&] {
        auto h = health(f, "PL");
        return h && h->restore.state == "recovered";
      },
      20s));
  auto restored = health(f, "PL");
  REQUIRE(restored);
  CHECK(restored->last_seq_written == 10);
  CHECK(restored->restore.head_before == 4);
  CHECK(restored->restore.recovered_events == 6);
  CHECK(restored->restore.recovered_to == 10);
  CHECK(restored->restore.peers_head == 10);

  // The erased organisation does not come back; ids and numbers go on past it all.
  auto gone = f.call<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                   [](auto get) { get.setId("PL-000002"); });
  CHECK(gone.header().type == "error");
  CHECK(register_pl(f, 10) == "PL-000010");
  CHECK(health(f, "PL")->last_seq_written == 11);
  REQUIRE(testing::eventually(
      [&] { return applied_pl(f, "FI") == 11 && applied_pl(f, "DK") == 11; }, 15s));

  // Every node holds the same public state, with no epoch conflict anywhere.
  REQUIRE(testing::eventually(
      [&] {
        auto pl = digest(f, "PL");
        return !pl.empty() && pl == digest(f, "FI") && pl == digest(f, "DK");
      },
      15s));
  for (const std::string country : {"PL", "FI", "DK"}) {
    CHECK(health(f, country)->metric("platform.epoch_conflicts") == 0);
  }

  // No request storm: each subscription asks at most 5 times a second for nothing.
  std::map<std::string, double> before;
  for (const std::string country : {"PL", "FI", "DK"}) {
    before[country] = health(f, country)->metric("platform.catchup_requests");
  }
  std::this_thread::sleep_for(5s);
  for (const std::string country : {"PL", "FI", "DK"}) {
    double asked = health(f, country)->metric("platform.catchup_requests") - before[country];
    INFO(country << " asked for catch-up " << asked << " times in 5 s");
    CHECK(asked <= 2 * 5 * 5);
  }

  // Status says what happened (to a monitor), and the node's log said it once.
  const std::string key = (f.dir.path() / "watcher").string();
  curve::write_key_files(key, f.watcher.keys);
  testing::Process ctl({testing::binary("gosmartctl").string(), "--config",
                        f.nodes.at("PL").config_file.string(), "--key", key, "--json", "status"},
                       f.dir.path() / "ctl-status.out");
  CHECK(ctl.wait(30s) == 1);
  auto text = ctl.log();
  INFO(text);
  REQUIRE(text.find('{') != std::string::npos);
  auto report = nlohmann::json::parse(text.substr(text.find('{')));
  bool shown = false;
  for (const auto& service : report["services"]) {
    if (service.contains("restore") && service["node"] == "PL") {
      shown = true;
      CHECK(service["restore"]["state"] == "recovered");
      CHECK(service["restore"]["head_before"] == 4);
      CHECK(service["restore"]["recovered_events"] == 6);
    }
  }
  CHECK(shown);
  auto log = f.processes.at("PL")->log();
  auto first = log.find("fetched back from its peers");
  REQUIRE(first != std::string::npos);
  CHECK(log.find("fetched back from its peers", first + 1) == std::string::npos);
}

TEST_CASE("a peer that serves forged events of the restored node's origin is outvoted",
          "[fault][restore]") {
  // DE is played by the test: its log holds forged PL events it serves on catch-up.
  testing::Federation f({"PL", "FI", "DK", "DE"}, false, "", {"DE"});
  testing::HostilePeer de(f.nodes.at("DE"),
                          {&f.nodes.at("PL"), &f.nodes.at("FI"), &f.nodes.at("DK")});
  for (int n = 1; n <= 2; ++n) register_pl(f, n);
  const fs::path data = f.nodes.at("PL").dir / "data" / "registry";
  const fs::path backup = f.dir.path() / "pl-backup";
  stop(f, "PL");
  fs::copy(data, backup, fs::copy_options::recursive);
  f.start("PL");
  f.await("PL");
  for (int n = 3; n <= 6; ++n) register_pl(f, n);
  REQUIRE(testing::eventually([&] { return applied_pl(f, "FI") == 6 && applied_pl(f, "DK") == 6; },
                              15s));
  for (uint64_t seq = 1; seq <= 6; ++seq) {
    de.plant<wire::OrgPublicEvent>("PL", seq, "registry.org.public", [&](auto event) {
      auto org = event.initOrganisation();
      org.setId("PL-00009" + std::to_string(seq));
      org.setCountry("PL");
      org.setRegion("PL63");
    });
  }

  stop(f, "PL");
  fs::remove_all(data);
  fs::copy(backup, data, fs::copy_options::recursive);
  f.start("PL");
  f.await("PL");
  REQUIRE(testing::eventually(
      [&] {
        auto h = health(f, "PL");
        return h && h->restore.state == "recovered";
      },
      20s));
  auto restored = health(f, "PL");
  REQUIRE(restored);
  CHECK(restored->restore.recovered_events == 4);
  CHECK(restored->last_seq_written == 6);
  // The forgeries lost the vote and were reported; what FI and DK agree on came back.
  CHECK(f.processes.at("PL")->log().find("outvoted") != std::string::npos);
  auto forged = f.call<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                     [](auto get) { get.setId("PL-000093"); });
  CHECK(forged.header().type == "error");
  REQUIRE(testing::eventually(
      [&] {
        auto pl = digest(f, "PL");
        return !pl.empty() && pl == digest(f, "FI") && pl == digest(f, "DK");
      },
      15s));
}

// Outside wave 4, H1: with the other peers down, one peer (hostile here) that holds
// "events of PL" PL never wrote must neither pause PL's writes through its
// heartbeats nor have them taken as PL's history: a majority counts all peers.
TEST_CASE("one peer alone neither pauses a node nor writes its history", "[fault][restore]") {
  testing::Federation f({"PL", "FI", "DK", "DE"}, false, "", {"DE"});
  testing::HostilePeer de(f.nodes.at("DE"),
                          {&f.nodes.at("PL"), &f.nodes.at("FI"), &f.nodes.at("DK")});
  stop(f, "FI");
  stop(f, "DK");
  stop(f, "PL");
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    de.plant<wire::OrgPublicEvent>("PL", seq, "registry.org.public", [&](auto event) {
      auto org = event.initOrganisation();
      org.setId("PL-00009" + std::to_string(seq));
      org.setCountry("PL");
      org.setRegion("PL63");
    });
  }
  f.start("PL");
  f.await("PL");
  // The start probe has asked DE, and DE's heartbeats announce PL #3 every 200 ms.
  std::this_thread::sleep_for(3s);
  auto h = health(f, "PL");
  REQUIRE(h);
  INFO(f.processes.at("PL")->log());
  CHECK(h->restore.state.empty());
  CHECK(h->last_seq_written == 0);
  // Writes are not paused, and number from PL's own head, not from the forgeries.
  CHECK(register_pl(f, 1) == "PL-000001");
  auto forged = f.call<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                     [](auto get) { get.setId("PL-000093"); });
  CHECK(forged.header().type == "error");
}
