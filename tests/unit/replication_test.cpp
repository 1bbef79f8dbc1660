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
