// The audit's log without sockets: events applied as a subscriber applies them
// (staged, committed or lost), the tree they make, its proofs, and a reopened store.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/envelope/envelope.hpp"
#include "common/store/staging_batch.hpp"
#include "schemas/probe.capnp.h"
#include "services/audit/audit_log.hpp"
#include "services/audit/signing_key.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace gosmart::audit;

namespace {

DecodedEnvelope event(const std::string& origin, uint64_t seq) {
  EnvelopeHeader header;
  header.message_id = random_message_id();
  header.origin_country = origin;
  header.origin_service = wire::Service::REGISTRY;
  header.origin_seq = seq;
  header.type = "probe.event";
  header.timestamp_us = 1'700'000'000'000'000 + static_cast<int64_t>(seq);
  EnvelopeBuilder builder(header);
  builder.init_payload<wire::ProbeEvent>().setIndex(seq);
  auto bytes = builder.encode();
  auto decoded =
      decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

struct Bench {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db;
  std::unique_ptr<AuditLog> log;
  std::unique_ptr<replication::Applier> registry;
  std::unique_ptr<replication::Applier> matching;

  Bench() { open(); }
  void open() {
    registry.reset();
    matching.reset();
    log.reset();
    db.reset();
    db = store::Store::open(dir.path() / "db", audit_column_families({"registry", "matching"}));
    log = std::make_unique<AuditLog>(*db, "gosmart-audit/PL");
    registry = log->applier_for("registry");
    matching = log->applier_for("matching");
  }
  // One drain of `applier`: the events staged, then committed (or lost).
  void drain(replication::Applier& applier, const std::vector<DecodedEnvelope>& events,
             bool stored = true) {
    store::StagingBatch batch(*db);
    for (const auto& e : events) REQUIRE(applier.apply(e, batch).ok());
    applier.prepare_commit(batch);
    if (stored) {
      REQUIRE(db->commit(batch.batch()).ok());
      applier.committed();
    } else {
      applier.aborted();
    }
  }
  void check_proof(const std::string& service, const std::string& origin, uint64_t seq) {
    auto proof = log->inclusion(service, origin, seq, 0);
    INFO(service << " " << origin << " " << seq);
    REQUIRE(proof.ok());
    CHECK(proof.value().root == log->root());
    CHECK(verify_inclusion(leaf_hash(proof.value().entry), proof.value().index, log->size(),
                           proof.value().path, log->root()));
  }
};

std::vector<DecodedEnvelope> events(const std::string& origin, uint64_t from, uint64_t to) {
  std::vector<DecodedEnvelope> out;
  for (uint64_t seq = from; seq <= to; ++seq) out.push_back(event(origin, seq));
  return out;
}

}  // namespace

TEST_CASE(
    "the audit log makes one leaf per event, proves each, and keeps its tree across a "
    "reopen",
    "[audit]") {
  Bench b;
  b.drain(*b.registry, events("PL", 1, 10));
  b.drain(*b.matching, events("PL", 1, 3));
  b.drain(*b.registry, events("FI", 1, 4));  // a peer's events the registry relays
  REQUIRE(b.log->size() == 17);
  for (uint64_t seq = 1; seq <= 10; ++seq) b.check_proof("registry", "PL", seq);
  for (uint64_t seq = 1; seq <= 3; ++seq) b.check_proof("matching", "PL", seq);
  b.check_proof("registry", "FI", 4);
  auto leaf = b.log->inclusion("matching", "PL", 2, 0);
  REQUIRE(leaf.ok());
  CHECK(leaf.value().index == 11);
  CHECK(leaf.value().entry.rfind("gosmart-audit/v1 matching PL 2 probe.event ", 0) == 0);
  CHECK(leaf.value().entry.size() ==
        std::string("gosmart-audit/v1 matching PL 2 probe.event ").size() +
            44);  // base64 of 32 bytes

  // The same place in another stream or origin is another event.
  CHECK(b.log->inclusion("matching", "PL", 4, 0).error().code == ErrorCode::NOT_FOUND);
  CHECK(b.log->inclusion("registry", "FI", 5, 0).error().code == ErrorCode::NOT_FOUND);

  Hash root = b.log->root();
  auto text = b.log->checkpoint_text();
  b.open();
  CHECK(b.log->size() == 17);
  CHECK(b.log->root() == root);
  CHECK(b.log->checkpoint_text() == text);
  b.drain(*b.registry, events("PL", 11, 11));
  b.check_proof("registry", "PL", 11);
  auto grown = b.log->consistency(17, 0);
  REQUIRE(grown.ok());
  CHECK(grown.value().old_root == root);
  CHECK(verify_consistency(17, 18, grown.value().path, root, b.log->root()));
}

TEST_CASE("a lost batch leaves the audit's tree as it was; the events come again", "[audit]") {
  Bench b;
  b.drain(*b.registry, events("PL", 1, 5));
  Hash root = b.log->root();
  b.drain(*b.registry, events("PL", 6, 9), /*stored=*/false);
  CHECK(b.log->size() == 5);
  CHECK(b.log->root() == root);
  CHECK(b.log->inclusion("registry", "PL", 6, 0).error().code == ErrorCode::NOT_FOUND);
  b.drain(*b.registry, events("PL", 6, 9));  // caught up again: the same leaves, once
  CHECK(b.log->size() == 9);
  for (uint64_t seq = 1; seq <= 9; ++seq) b.check_proof("registry", "PL", seq);
  b.open();
  CHECK(b.log->size() == 9);
}

TEST_CASE("an unreadable event in a catch-up page is a leaf of its own kind", "[audit]") {
  Bench b;
  b.drain(*b.registry, events("PL", 1, 2));
  {
    store::StagingBatch batch(*b.db);
    b.registry->unreadable("PL", 3, fail(ErrorCode::MALFORMED, "not an envelope"), batch);
    b.registry->prepare_commit(batch);
    REQUIRE(b.db->commit(batch.batch()).ok());
    b.registry->committed();
  }
  b.drain(*b.registry, events("PL", 4, 4));
  CHECK(b.log->size() == 4);
  auto hole = b.log->inclusion("registry", "PL", 3, 0);
  REQUIRE(hole.ok());
  CHECK(hole.value().entry == "gosmart-audit/v1 registry PL 3 unreadable -");
  b.check_proof("registry", "PL", 3);
  b.check_proof("registry", "PL", 4);
}

TEST_CASE("the audit log refuses sizes beyond its tree and asks that change nothing", "[audit]") {
  Bench b;
  b.drain(*b.registry, events("PL", 1, 6));
  CHECK(b.log->inclusion("registry", "PL", 1, 7).error().field == "treeSize");
  CHECK(b.log->inclusion("registry", "PL", 6, 5).error().code == ErrorCode::NOT_FOUND);
  auto older = b.log->inclusion("registry", "PL", 2, 5);
  REQUIRE(older.ok());
  CHECK(older.value().tree_size == 5);
  CHECK(b.log->consistency(4, 7).error().field == "newSize");
  CHECK(b.log->consistency(5, 3).error().field == "oldSize");
  auto same = b.log->consistency(6, 6);
  REQUIRE(same.ok());
  CHECK(same.value().path.empty());
  CHECK(b.log->size() == 6);
}

TEST_CASE(
    "a placeholder is a leaf; an event seen again with other content is a new leaf, "
    "counted for good",
    "[audit]") {
  Bench b;
  auto originals = events("PL", 1, 3);
  b.drain(*b.registry, originals);
  // An erasure redacted number 4 before the audit read it: its placeholder's leaf.
  auto redacted = [](uint64_t seq) {
    EnvelopeHeader header;
    header.message_id = random_message_id();
    header.origin_country = "PL";
    header.origin_service = wire::Service::REGISTRY;
    header.origin_seq = seq;
    header.type = "platform.redacted";
    EnvelopeBuilder builder(header);
    builder.init_payload<wire::ProbeEvent>();
    auto bytes = builder.encode();
    auto decoded =
        decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  };
  {
    store::StagingBatch batch(*b.db);
    b.registry->placeholder(redacted(4), batch);
    b.registry->prepare_commit(batch);
    REQUIRE(b.db->commit(batch.batch()).ok());
    b.registry->committed();
  }
  CHECK(b.log->size() == 4);
  auto hole = b.log->inclusion("registry", "PL", 4, 0);
  REQUIRE(hole.ok());
  CHECK(hole.value().entry.rfind("gosmart-audit/v1 registry PL 4 platform.redacted ", 0) == 0);

  auto again = [&](const DecodedEnvelope& e) {
    store::StagingBatch batch(*b.db);
    bool staged = b.registry->duplicate(e, batch);
    b.registry->prepare_commit(batch);
    REQUIRE(b.db->commit(batch.batch()).ok());
    b.registry->committed();
    return staged;
  };
  // The very event again (a reconnect's overlap, the same bytes): nothing.
  CHECK_FALSE(again(originals[2]));
  // An erasure's placeholder where an event was recorded: not a rewrite.
  CHECK_FALSE(again(redacted(2)));
  CHECK(b.log->size() == 4);
  CHECK(b.log->rewritten() == 0);
  // Other content at number 2 (a writer rolled back and wrote anew): a new leaf.
  CHECK(again(event("PL", 2)));
  CHECK(b.log->size() == 5);
  CHECK(b.log->rewritten() == 1);
  auto now = b.log->inclusion("registry", "PL", 2, 0);
  REQUIRE(now.ok());
  CHECK(now.value().index == 4);  // the place proves to the latest
  // A tree from before the rewrite still proves the leaf it holds.
  auto earlier = b.log->inclusion("registry", "PL", 2, 4);
  REQUIRE(earlier.ok());
  CHECK(earlier.value().index == 1);
  CHECK(earlier.value().entry != now.value().entry);
  b.check_proof("registry", "PL", 2);
  b.open();
  CHECK(b.log->rewritten() == 1);  // for good
  CHECK(b.log->size() == 5);
}

TEST_CASE("the audit's signing key is made once, kept, and must be named after its log",
          "[audit]") {
  testing::TempDir dir;
  auto file = dir.path() / "audit" / "audit-signing.key";
  auto made = audit_signing_key(file, "gosmart-audit/PL");
  CHECK(made.name == "gosmart-audit/PL");
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto again = audit_signing_key(file, "gosmart-audit/PL");
  CHECK(again.public_key == made.public_key);
  // Another node's key in PL's file: refused at start, never used to sign.
  CHECK_THROWS(audit_signing_key(file, "gosmart-audit/FI"));
  { std::ofstream(file, std::ios::trunc) << "not a key\n"; }
  CHECK_THROWS(audit_signing_key(file, "gosmart-audit/PL"));
}
