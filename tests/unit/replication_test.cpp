#include <catch2/catch.hpp>

#include "common/replication/event_log.hpp"
#include "common/replication/subscriber.hpp"
#include "schemas/probe.capnp.h"
#include "tests/support/process.hpp"

using namespace gosmart;
using replication::Arrival;

TEST_CASE("arrivals are classified against the cursor", "[replication]") {
  CHECK(replication::classify(0, 1) == Arrival::apply);
  CHECK(replication::classify(5, 6) == Arrival::apply);
  CHECK(replication::classify(5, 5) == Arrival::duplicate);
  CHECK(replication::classify(5, 1) == Arrival::duplicate);
  CHECK(replication::classify(5, 7) == Arrival::gap);
  CHECK(replication::classify(0, 2) == Arrival::gap);
}

namespace {

replication::StagedEvent append(replication::EventLog& log, rocksdb::WriteBatch& batch,
                                uint64_t index) {
  return log.append<wire::ProbeEvent>(batch, "probe.event",
                                      [&](auto event) { event.setIndex(index); });
}

}  // namespace

TEST_CASE("the event log numbers, commits and pages events per origin", "[replication]") {
  testing::TempDir dir;
  {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
    CHECK(log.head("PL") == 0);

    rocksdb::WriteBatch batch;
    for (uint64_t i = 1; i <= 5; ++i) CHECK(append(log, batch, i).seq == i);
    CHECK(log.head("PL") == 0);  // staged, not committed
    REQUIRE(db->commit(batch).ok());
    log.committed();
    CHECK(log.head("PL") == 5);

    rocksdb::WriteBatch lost;
    CHECK(append(log, lost, 6).seq == 6);
    log.aborted();  // the commit failed: 6 is handed out again
    rocksdb::WriteBatch again;
    CHECK(append(log, again, 6).seq == 6);
    REQUIRE(db->commit(again).ok());
    log.committed();

    auto page = log.read_after("PL", 2, 3, 1 << 20);
    REQUIRE(page.ok());
    CHECK(page.value().head == 6);
    REQUIRE(page.value().events.size() == 3);
    auto third = decode_envelope({reinterpret_cast<const uint8_t*>(page.value().events[0].data()),
                                  page.value().events[0].size()});
    REQUIRE(third.ok());
    CHECK(third.value().header().origin_seq == 3);
    CHECK(log.read_after("PL", 6, 10, 1 << 20).value().events.empty());
    CHECK(log.read_after("FI", 0, 10, 1 << 20).value().events.empty());
    // The byte budget cuts a page but always lets one event through.
    CHECK(log.read_after("PL", 0, 10, 1).value().events.size() == 1);
  }
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog reopened(*db, "PL", wire::Service::REGISTRY);
  CHECK(reopened.head("PL") == 6);
}

TEST_CASE("a relayed foreign event keeps its origin and sequence", "[replication]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
  EnvelopeBuilder foreign("FI", wire::Service::REGISTRY, "probe.event", 41);
  foreign.init_payload<wire::ProbeEvent>().setIndex(41);
  auto bytes = foreign.encode();
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE(decoded.ok());
  rocksdb::WriteBatch batch;
  auto staged = log.relay(batch, decoded.value());
  REQUIRE(db->commit(batch).ok());
  log.committed();
  CHECK(staged.origin == "FI");
  CHECK(staged.seq == 41);
  CHECK(staged.bytes == bytes);
  CHECK(log.head("FI") == 41);
  CHECK(log.head("PL") == 0);
  CHECK(log.heads().size() == 1);
}

#include "common/replication/event_frame.hpp"

TEST_CASE("events are packed into frames by type and split back exactly", "[replication]") {
  std::vector<replication::StagedEvent> events;
  for (uint64_t seq = 1; seq <= 7; ++seq) {
    std::string type = seq == 3 ? "probe.other" : "probe.event";
    std::string origin = seq == 6 ? "FI" : "PL";  // a relayed event in the run
    EnvelopeBuilder builder(origin, wire::Service::TOOL, type, seq);
    builder.init_payload<wire::ProbeEvent>().setIndex(seq);
    events.push_back({type, builder.encode(), origin, seq});
  }
  auto frames = replication::pack_event_frames(events, 1 << 20);
  // [1,2] [3] [4,5] [6] [7]: a run of one origin and type shares a frame
  REQUIRE(frames.size() == 5);
  CHECK(frames[0].rfind(std::string("PL:probe.event") + '\0', 0) == 0);
  CHECK(frames[3].rfind(std::string("FI:probe.event") + '\0', 0) == 0);
  std::vector<uint64_t> seen;
  for (const auto& frame : frames) {
    auto split = replication::split_event_frame(
        {reinterpret_cast<const uint8_t*>(frame.data()), frame.size()});
    REQUIRE(split.has_value());
    std::vector<std::span<const uint8_t>> pieces;
    REQUIRE(replication::split_envelopes(split->envelopes, pieces));
    for (auto piece : pieces) {
      auto decoded = decode_envelope(piece);
      REQUIRE(decoded.ok());
      CHECK(decoded.value().header().type == split->type);
      CHECK(decoded.value().header().origin_country == split->origin);
      seen.push_back(decoded.value().header().origin_seq);
    }
  }
  CHECK(seen == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7});
  // A small limit gives one event per frame.
  CHECK(replication::pack_event_frames(events, 1).size() == 7);
}

TEST_CASE("a frame whose envelopes do not add up is refused", "[replication]") {
  EnvelopeBuilder builder("PL", wire::Service::TOOL, "probe.event", 1);
  auto one = builder.encode();
  std::vector<std::span<const uint8_t>> pieces;
  auto bytes = [](const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  std::string cut = one + one.substr(0, one.size() - 8);
  CHECK_FALSE(replication::split_envelopes(bytes(cut), pieces));
  CHECK(pieces.size() == 1);
  CHECK(replication::flat_message_size(bytes(one)) == one.size());
  CHECK_FALSE(replication::flat_message_size(bytes(std::string(4, '\0'))).has_value());
  CHECK_FALSE(replication::flat_message_size(bytes(std::string("\xff\xff\xff\x00xxxx", 8))));
  CHECK_FALSE(replication::split_event_frame(bytes(std::string(100, 'a'))).has_value());
}

TEST_CASE("a later batch stays uncommitted while an earlier one lands", "[replication]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog log(*db, "PL", wire::Service::TOOL);
  rocksdb::WriteBatch first;
  std::vector<replication::StagedEvent> first_events{append(log, first, 1), append(log, first, 2)};
  rocksdb::WriteBatch second;
  std::vector<replication::StagedEvent> second_events{append(log, second, 3)};
  CHECK(second_events[0].seq == 3);
  REQUIRE(db->commit(first).ok());
  log.committed(first_events);
  CHECK(log.head("PL") == 2);
  // The second batch's commit fails: everything not committed is forgotten.
  log.aborted();
  rocksdb::WriteBatch retry;
  CHECK(append(log, retry, 3).seq == 3);
}
