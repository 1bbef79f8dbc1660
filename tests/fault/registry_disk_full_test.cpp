// A registry whose disk fills: it refuses writes (`unavailable`) while RocksDB still
// has room to flush and compact, keeps answering reads, loses nothing it
// acknowledged, and takes writes again once the disk has room, without a restart.
// The registry's data directory is a small tmpfs the test mounts (root only, as in
// CI) and later grows, as an operator would free or add space.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

#include "common/service/service_host.hpp"
#include "tests/support/registry_federation.hpp"
#include "tests/support/small_disk.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

using testing::SmallDisk;

namespace {

std::string registration(int n, std::mt19937& random) {
  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.register");
  auto write = request.init_payload<wire::OrgWrite>();
  write.setReceiptOnly(true);
  auto org = write.initOrganisation();
  testing::fill_org(org);
  org.setLegalName("Disk filler " + std::to_string(n));
  // Text that does not compress away, as real descriptions do not.
  std::string description(1900, ' ');
  std::uniform_int_distribution<int> letter('a', 'z');
  for (auto& c : description) c = static_cast<char>(letter(random));
  org.setDescription(description);
  return request.encode();
}

std::string get_request(const std::string& id) {
  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.get");
  request.init_payload<wire::OrgGet>().setId(id);
  return request.encode();
}

struct Outcome {
  std::vector<std::string> stored;  // ids acknowledged
  std::size_t unavailable = 0;
  std::size_t other = 0;
  std::string first_refusal;
};

void read_replies(const std::vector<std::string>& replies, Outcome& outcome) {
  for (const auto& bytes : replies) {
    auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    REQUIRE(d.ok());
    if (d.value().header().type == "registry.org.reply") {
      outcome.stored.push_back(d.value().payload<wire::OrgReply>().getReceipt().getId());
      continue;
    }
    REQUIRE(d.value().header().type == "error");
    auto error = d.value().payload<wire::Error>();
    if (outcome.first_refusal.empty()) outcome.first_refusal = error.getMessage();
    if (error.getCode() == wire::ErrorCode::UNAVAILABLE) {
      ++outcome.unavailable;
    } else {
      ++outcome.other;
    }
  }
}

bool found(testing::ApiClient& client, testing::Federation& f, const std::string& id) {
  auto replies =
      client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), {get_request(id)}, 1, 10s);
  if (replies.size() != 1) return false;
  auto d =
      decode_envelope({reinterpret_cast<const uint8_t*>(replies[0].data()), replies[0].size()});
  return d.ok() && d.value().header().type == "registry.org.reply" &&
         std::string(d.value().payload<wire::OrgReply>().getOrganisation().getId()) == id;
}

}  // namespace

TEST_CASE("a registry whose disk fills refuses writes in time and takes them again given room",
          "[fault][disk]") {
  // 96 MiB of disk, writes refused below 48 MiB free: the first memtable flush
  // (16 MiB) and the WAL's preallocation still fit after the guard trips.
  testing::Federation f({"PL"}, false, "min_free_disk_mb = 48\n", {"PL"});
  SmallDisk disk(f.nodes.at("PL").dir / "data", 96);
  REQUIRE(disk.mounted());  // needs root (CI runs as root)
  f.start("PL");
  f.await("PL");
  auto& pl = f.processes.at("PL");

  testing::ApiClient client(f.broker.keys);
  std::mt19937 random(7);
  Outcome outcome;
  int next = 0;
  while (outcome.unavailable == 0 && next < 60000) {
    std::vector<std::string> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(registration(next++, random));
    auto replies = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), batch, 256, 30s);
    REQUIRE(replies.size() == batch.size());
    read_replies(replies, outcome);
  }
  INFO(outcome.stored.size() << " stored, " << outcome.unavailable << " unavailable, "
                             << outcome.other << " other; first refusal: " << outcome.first_refusal
                             << "\n"
                             << pl->log());
  REQUIRE(outcome.unavailable > 0);
  CHECK(outcome.other == 0);
  REQUIRE(outcome.stored.size() > 1000);
  // A full disk is a state that passes: the registry stays up and keeps reading.
  CHECK(pl->running());
  CHECK(found(client, f, outcome.stored.back()));
  CHECK(pl->log().find("disk nearly full") != std::string::npos);

  // Still refused while the disk is full: nothing half-written in between.
  Outcome again;
  read_replies(client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"),
                               {registration(next++, random)}, 1, 10s),
               again);
  CHECK(again.unavailable == 1);

  REQUIRE(disk.resize(512));
  Outcome after;
  bool accepted = testing::eventually(
      [&] {
        read_replies(client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"),
                                     {registration(next++, random)}, 1, 10s),
                     after);
        return !after.stored.empty();
      },
      10s);
  REQUIRE(accepted);
  CHECK(pl->running());

  // After a clean restart: every acknowledged registration is there, and no other.
  pl->signal(SIGTERM);
  auto stopped = pl->wait(30s);
  INFO(pl->log());
  REQUIRE(stopped == 0);
  f.start("PL");
  f.await("PL");
  auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 5s);
  REQUIRE(health.has_value());
  CHECK(health->metric("registry.organisations") ==
        static_cast<double>(outcome.stored.size() + after.stored.size()));
  const auto& ids = outcome.stored;
  for (const auto& id : {ids.front(), ids[ids.size() / 2], ids.back(), after.stored.back()}) {
    INFO(id);
    CHECK(found(client, f, id));
  }
  f.processes.at("PL")->signal(SIGTERM);
  CHECK(f.processes.at("PL")->wait(30s) == 0);
}

// With the guard off (min_free_disk_mb = 0) the disk really fills: a WAL write fails
// with ENOSPC. The store is then failed for good (RocksDB cannot tell what part of
// the record reached the disk), so the registry stops with exit code 3 for its
// supervisor, and started again on a disk with room it has everything it
// acknowledged (docs/platform.md "A disk that fails").
TEST_CASE(
    "a registry whose disk fails stops with exit code 3 and restarts with what it acknowledged",
    "[fault][disk]") {
  testing::Federation f({"PL"}, false, "min_free_disk_mb = 0\n", {"PL"});
  SmallDisk disk(f.nodes.at("PL").dir / "data", 64);
  REQUIRE(disk.mounted());  // needs root (CI runs as root)
  f.start("PL");
  f.await("PL");
  auto& pl = f.processes.at("PL");

  testing::ApiClient client(f.broker.keys);
  std::mt19937 random(11);
  Outcome outcome;
  int next = 0;
  while (pl->running() && next < 60000) {
    std::vector<std::string> batch;
    for (int i = 0; i < 500; ++i) batch.push_back(registration(next++, random));
    auto replies = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), batch, 256, 5s);
    read_replies(replies, outcome);
    if (outcome.other + outcome.unavailable > 0) break;
  }
  INFO(outcome.stored.size() << " stored, " << outcome.unavailable << " unavailable, "
                             << outcome.other << " other; first refusal: " << outcome.first_refusal
                             << "\n"
                             << pl->log());
  REQUIRE(outcome.stored.size() > 1000);
  REQUIRE(outcome.other + outcome.unavailable > 0);  // the disk did fill
  auto code = pl->wait(10s);
  CHECK(code == service::kExitStorageFailed);
  CHECK(pl->log().find("the store failed a write") != std::string::npos);

  REQUIRE(disk.resize(512));
  f.start("PL");
  f.await("PL");
  const auto& ids = outcome.stored;
  for (const auto& id : {ids.front(), ids[ids.size() / 2], ids.back()}) {
    INFO(id);
    CHECK(found(client, f, id));
  }
  auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"), 5s);
  REQUIRE(health.has_value());
  // Every acknowledged registration; perhaps more, whose reply the stop cut off.
  CHECK(health->metric("registry.organisations") >= static_cast<double>(ids.size()));
  Outcome after;
  read_replies(client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"),
                               {registration(next++, random)}, 1, 10s),
               after);
  CHECK(after.stored.size() == 1);
  f.processes.at("PL")->signal(SIGTERM);
  CHECK(f.processes.at("PL")->wait(30s) == 0);
}
