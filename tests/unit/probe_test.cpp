#include <catch2/catch.hpp>

#include "schemas/probe.capnp.h"
#include "tests/support/process.hpp"
#include "tools/replication-probe/probe_state.hpp"

using namespace gosmart;

TEST_CASE("the digest chain depends on every event and its order", "[probe]") {
  probe::Chain a, b, c;
  a.add("PL", 1, "x");
  a.add("PL", 2, "y");
  b.add("PL", 1, "x");
  b.add("PL", 2, "y");
  c.add("PL", 2, "y");
  c.add("PL", 1, "x");
  CHECK(a.digest_hex() == b.digest_hex());
  CHECK(a.digest_hex() != c.digest_hex());
  CHECK(a.count == 2);
  CHECK(probe::probe_body(5, 32) == probe::probe_body(5, 32));
  CHECK(probe::probe_body(5, 32) != probe::probe_body(6, 32));
}

TEST_CASE("probe state persists only what was committed", "[probe]") {
  testing::TempDir dir;
  std::string digest;
  {
    auto db = store::Store::open(dir.path() / "db", {probe::kProbeColumnFamily});
    probe::ProbeState state(*db);
    state.stage("PL", 1, "a");
    rocksdb::WriteBatch batch;
    state.write(batch);
    REQUIRE(db->commit(batch).ok());
    state.committed();
    digest = state.chain().digest_hex();
    state.stage("PL", 2, "b");
    state.aborted();
    CHECK(state.chain().count == 1);
  }
  auto db = store::Store::open(dir.path() / "db", {probe::kProbeColumnFamily});
  probe::ProbeState state(*db);
  CHECK(state.chain().count == 1);
  CHECK(state.chain().digest_hex() == digest);
}

TEST_CASE("the probe applier refuses what is not its event", "[probe]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", {probe::kProbeColumnFamily});
  probe::ProbeState state(*db);
  probe::ProbeApplier applier(state);
  store::StagingBatch batch(*db);
  auto decode = [](std::string bytes) {
    return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  };
  EnvelopeBuilder wrong_index("PL", wire::Service::TOOL, "probe.event", 3);
  wrong_index.init_payload<wire::ProbeEvent>().setIndex(4);
  auto a = decode(wrong_index.encode());
  CHECK(applier.apply(a.value(), batch).error().field == "index");
  EnvelopeBuilder wrong_type("PL", wire::Service::TOOL, "probe.other", 3);
  wrong_type.init_payload<wire::ProbeEvent>().setIndex(3);
  auto b = decode(wrong_type.encode());
  CHECK(applier.apply(b.value(), batch).error().code == ErrorCode::UNKNOWN_TYPE);
  EnvelopeBuilder good("PL", wire::Service::TOOL, "probe.event", 3);
  good.init_payload<wire::ProbeEvent>().setIndex(3);
  auto c = decode(good.encode());
  CHECK(applier.apply(c.value(), batch).ok());
}
