// The kept replies of writes (common/service/idempotency.hpp) over a throwaway store,
// with a clock the test moves.
#include <catch2/catch.hpp>

#include "common/service/idempotency.hpp"
#include "common/store/keys.hpp"
#include "schemas/registry.capnp.h"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

struct Kept {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", {service::kIdempotencyFamily, "effects"});
  int64_t now = 1'000'000'000;
  service::IdempotencyStore replies{*db, 3600s, [this] { return now; }};

  // The reply kept for a retry of the request every write here stands for.
  std::optional<std::string> find(std::string_view caller, std::string_view id) const {
    return reply_of(replies, caller, id);
  }
  static std::optional<std::string> reply_of(const service::IdempotencyStore& store,
                                             std::string_view caller, std::string_view id) {
    auto kept = store.find(caller, id, kRequest);
    if (!kept) return std::nullopt;
    REQUIRE(kept->same_request);
    return kept->reply;
  }
  static constexpr std::string_view kRequest = "digest of the request";

  // A write as the api server makes it: effect and kept reply in one batch.
  std::string write(const std::string& caller, const std::string& id, const std::string& reply,
                    const std::vector<std::string>& subjects = {}) {
    rocksdb::WriteBatch batch;
    batch.Put(db->cf("effects"), id, "effect");
    auto key = replies.stage(batch, caller, id, kRequest, reply, subjects);
    REQUIRE(db->commit(batch).ok());
    replies.settle({key});
    return key;
  }
};

}  // namespace

TEST_CASE("a kept reply is found by its caller and message id, durably", "[service]") {
  Kept k;
  CHECK_FALSE(k.find("broker:alice", "m1").has_value());
  k.write("broker:alice", "m1", "reply one");
  CHECK(k.find("broker:alice", "m1") == std::optional<std::string>("reply one"));
  CHECK_FALSE(k.find("broker:alice", "m2").has_value());
  // Another caller's message with the same id is that caller's own.
  CHECK_FALSE(k.find("integration:portal", "m1").has_value());
  CHECK_FALSE(k.find("broker:alic", "em1").has_value());  // no ambiguity of joins

  // A new store over the same data (a restart) finds it as well.
  service::IdempotencyStore reopened{*k.db, 3600s, [&k] { return k.now; }};
  CHECK(Kept::reply_of(reopened, "broker:alice", "m1") == std::optional<std::string>("reply one"));
}

TEST_CASE("a staged reply is found before its batch lands, and not after it was lost",
          "[service]") {
  Kept k;
  rocksdb::WriteBatch batch;
  auto key = k.replies.stage(batch, "broker:alice", "m1", Kept::kRequest, "reply", {});
  CHECK(k.replies.pending() == 1);
  CHECK(k.find("broker:alice", "m1") == std::optional<std::string>("reply"));
  k.replies.settle({key});  // lost: never committed
  CHECK(k.replies.pending() == 0);
  CHECK_FALSE(k.find("broker:alice", "m1").has_value());
}

TEST_CASE("kept replies expire after the retention window and are purged", "[service]") {
  Kept k;
  k.write("broker:alice", "old", "old reply", {"PL-000001"});
  k.now += 1800 * 1'000'000LL;
  k.write("broker:alice", "young", "young reply");
  CHECK(k.replies.purge_expired().value() == 0);

  k.now += 1800 * 1'000'000LL;  // "old" is an hour old now
  CHECK_FALSE(k.find("broker:alice", "old").has_value());
  CHECK(k.find("broker:alice", "young").has_value());
  CHECK(k.replies.purge_expired().value() == 1);
  // Nothing of it is left, its subject row neither.
  std::size_t rows = 0;
  auto it = k.db->iterate(k.db->cf(service::kIdempotencyFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  CHECK(rows == 1);
  CHECK(k.replies.purge_expired().value() == 0);
  CHECK(k.replies.purge_interval() == 360s);
}

TEST_CASE("forgetting a subject drops its replies, stored and pending, in the given batch",
          "[service]") {
  Kept k;
  k.write("broker:alice", "register", "contacts of PL-000001", {"PL-000001"});
  k.write("broker:alice", "other", "contacts of PL-000002", {"PL-000002"});
  rocksdb::WriteBatch staged;
  k.replies.stage(staged, "broker:alice", "update", Kept::kRequest, "new contacts of PL-000001",
                  {"PL-000001"});

  rocksdb::WriteBatch& erasure = staged;  // the erasure is staged in the same generation
  CHECK(k.replies.forget(erasure, "PL-000001").value() == 2);
  CHECK_FALSE(k.find("broker:alice", "update").has_value());
  CHECK(k.find("broker:alice", "register").has_value());  // until the batch lands
  REQUIRE(k.db->commit(erasure).ok());
  CHECK_FALSE(k.find("broker:alice", "register").has_value());
  CHECK_FALSE(k.find("broker:alice", "update").has_value());
  CHECK(k.find("broker:alice", "other").has_value());
  std::size_t rows = 0;
  auto it = k.db->iterate(k.db->cf(service::kIdempotencyFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  CHECK(rows == 2);  // "other" and its subject row
}

TEST_CASE("a message id reused for another request is told apart from a retry", "[service]") {
  Kept k;
  k.write("broker:alice", "m1", "register reply");
  auto retry = k.replies.find("broker:alice", "m1", Kept::kRequest);
  REQUIRE(retry.has_value());
  CHECK(retry->same_request);
  auto other = k.replies.find("broker:alice", "m1", "digest of an erase");
  REQUIRE(other.has_value());
  CHECK_FALSE(other->same_request);

  // Pending entries are compared the same way.
  rocksdb::WriteBatch batch;
  k.replies.stage(batch, "broker:alice", "m2", Kept::kRequest, "reply", {});
  CHECK(k.replies.find("broker:alice", "m2", Kept::kRequest)->same_request);
  CHECK_FALSE(k.replies.find("broker:alice", "m2", "digest of an erase")->same_request);

  // A new store over the same data (a restart) still knows the request.
  service::IdempotencyStore reopened{*k.db, 3600s, [&k] { return k.now; }};
  CHECK_FALSE(reopened.find("broker:alice", "m1", "digest of an erase")->same_request);
}

TEST_CASE("an entry stored before digests were kept is still replayed", "[service]") {
  Kept k;
  // The old layout: stored-at, subject count, subjects, reply (no digest).
  std::string key = std::string("rbroker:alice") + '\0' + "m1";
  std::string value;
  store::keys::append_u64(value, static_cast<uint64_t>(k.now));
  store::keys::append_u64(value, 1);
  store::keys::append_u64(value, 9);
  value.append("PL-000001");
  value.append("old reply");
  rocksdb::WriteBatch batch;
  batch.Put(k.db->cf(service::kIdempotencyFamily), key, value);
  batch.Put(k.db->cf(service::kIdempotencyFamily),
            "sPL-000001" + std::string(1, '\0') + key.substr(1), "");
  REQUIRE(k.db->commit(batch).ok());
  auto kept = k.replies.find("broker:alice", "m1", "any digest");
  REQUIRE(kept.has_value());
  CHECK(kept->same_request);
  CHECK(kept->reply == "old reply");
  rocksdb::WriteBatch erasure;
  CHECK(k.replies.forget(erasure, "PL-000001").value() == 1);
}

TEST_CASE("a request's digest is its type and payload, not its id or time", "[service]") {
  auto erase = [](std::string_view type, std::string_view id, std::string_view reason) {
    EnvelopeBuilder builder("PL", wire::Service::CTL, type);
    auto payload = builder.init_payload<wire::OrgErase>();
    payload.setId(std::string(id));
    payload.setReason(std::string(reason));
    auto bytes = builder.encode();
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    REQUIRE(decoded);
    auto digest = service::request_digest(decoded.value());
    REQUIRE(digest);
    return digest.value();
  };
  auto first = erase("registry.org.erase", "PL-000001", "asked by the organisation");
  CHECK(first.size() == 32);
  CHECK(erase("registry.org.erase", "PL-000001", "asked by the organisation") == first);
  CHECK(erase("registry.org.erase", "PL-000002", "asked by the organisation") != first);
  CHECK(erase("registry.org.erase", "PL-000001", "asked by the organisatio") != first);
  CHECK(erase("registry.org.erasf", "PL-000001", "asked by the organisation") != first);
}
