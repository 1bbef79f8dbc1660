// Two real processes over tcp+CURVE: a writer appends 100,000 events; the reader
// is killed with SIGKILL twice mid-way, once more in the middle of a catch-up (and
// the writer twice, once right before a commit) and restarted. At the end the
// reader holds every event exactly once: same count, same chained digest. The
// writer's bodies are random per run (tools/replication-probe), so a writer that
// published what it had not committed would show as a digest mismatch (break
// probe.publish_before_commit, tests/run_breaks.sh).
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kEvents = 100000;

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("every event is applied exactly once across SIGKILLs", "[fault][replication]") {
  testing::TempDir dir;
  auto operator_ = testing::make_client("ops", config::Role::monitor);
  auto pl = testing::make_node(dir.path(), "PL");
  auto fi = testing::make_node(dir.path(), "FI");
  // A small PUB high-water mark makes the writer drop under load: catch-up must cover it.
  testing::write_config(pl, {&fi}, {operator_}, "[limits]\nhigh_water_mark = 500\n");
  testing::write_config(fi, {&pl}, {operator_}, "[limits]\nhigh_water_mark = 500\n");
  auto probe = testing::binary("gosmart-replication-probe").string();

  auto start_writer = [&](const testing::Environment& env = {}, int interval_ms = 2,
                          uint64_t events = kEvents) {
    return std::make_unique<testing::Process>(
        std::vector<std::string>{probe, "writer", "--config", pl.config_file.string(), "--events",
                                 std::to_string(events), "--batch", "100", "--interval-ms",
                                 std::to_string(interval_ms), "--summary",
                                 (dir.path() / "writer.json").string()},
        dir.path() / "writer.log", env);
  };
  auto start_reader = [&](const testing::Environment& env = {}) {
    return std::make_unique<testing::Process>(
        std::vector<std::string>{probe, "reader", "--config", fi.config_file.string(), "--from",
                                 "PL", "--summary", (dir.path() / "reader.json").string()},
        dir.path() / "reader.log", env);
  };
  testing::ApiClient client(operator_.keys);
  auto reader_cursor = [&]() -> uint64_t {
    auto health = client.health(fi.registry.api, fi.keys.keys.public_key, 500ms);
    return health ? health->applied["PL"] : 0;
  };
  auto writer_head = [&]() -> uint64_t {
    auto health = client.health(pl.registry.api, pl.keys.keys.public_key, 500ms);
    return health ? health->last_seq_written : 0;
  };

  // The first writer stops at half the events, so that however fast it runs, the
  // writer killed below still has batches to commit and reaches its crash point.
  auto writer = start_writer({}, 2, kEvents / 2);
  auto reader = start_reader();

  REQUIRE(testing::eventually([&] { return reader_cursor() >= 15000; }, 60s));
  reader->kill_hard();
  INFO("reader killed at writer head " << writer_head());
  REQUIRE(testing::eventually([&] { return writer_head() >= 35000; }, 60s));
  // Killed again during its catch-up, 20,000 events behind: a crash point ends it
  // right after the first catch-up page it commits, so the kill does land there.
  reader = start_reader({"GOSMART_CRASH_AT=replication.after_catchup_page"});
  REQUIRE(reader->wait(30s) == 128 + SIGKILL);
  CHECK(reader->log().find("crash point replication.after_catchup_page reached") !=
        std::string::npos);
  reader = start_reader();

  REQUIRE(testing::eventually([&] { return reader_cursor() >= 45000; }, 60s));
  writer->kill_hard();
  // Restarted, the writer is killed again between staging a batch and committing it,
  // two seconds after it came up (crash point probe.writer.before_commit; a batch
  // every 50 ms, so that it has not written everything by then): its next run
  // writes other bodies under those numbers. A writer that had published the batch
  // before committing it leaves the reader with the old bodies: digests differ.
  writer = start_writer({"GOSMART_CRASH_AT=probe.writer.before_commit"}, 50);
  REQUIRE(writer->wait(30s) == 128 + SIGKILL);
  CHECK(writer->log().find("crash point probe.writer.before_commit reached") != std::string::npos);
  writer = start_writer();  // continues from its durable head

  REQUIRE(testing::eventually([&] { return reader_cursor() >= 60000; }, 60s));
  reader->kill_hard();
  REQUIRE(testing::eventually([&] { return writer_head() >= 80000; }, 60s));
  reader = start_reader();

  REQUIRE(testing::eventually([&] { return reader_cursor() == kEvents; }, 120s));
  auto final_health = client.health(fi.registry.api, fi.keys.keys.public_key, 2s);
  REQUIRE(final_health.has_value());

  reader->signal(SIGTERM);
  writer->signal(SIGTERM);
  REQUIRE(reader->wait(10s) == 0);
  REQUIRE(writer->wait(10s) == 0);

  auto written = read_json(dir.path() / "writer.json");
  auto applied = read_json(dir.path() / "reader.json");
  INFO("writer: " << written.dump() << "\nreader: " << applied.dump());
  CHECK(written["count"] == kEvents);
  CHECK(applied["count"] == kEvents);
  CHECK(applied["digest"] == written["digest"]);
  CHECK(applied["rejected"] == 0);
  // The last reader came up 20,000 events behind: catch-up, not PUB, brought those.
  CHECK(applied["applied_catchup"].get<uint64_t>() >= 20000);
}
