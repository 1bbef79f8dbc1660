// The kept replies of writes (common/service/idempotency.hpp) over a throwaway store,
// with a clock the test moves.
#include <catch2/catch.hpp>

#include "common/service/idempotency.hpp"
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

  // A write as the api server makes it: effect and kept reply in one batch.
  std::string write(const std::string& caller, const std::string& id, const std::string& reply,
                    const std::vector<std::string>& subjects = {}) {
    rocksdb::WriteBatch batch;
    batch.Put(db->cf("effects"), id, "effect");
    auto key = replies.stage(batch, caller, id, reply, subjects);
    REQUIRE(db->commit(batch).ok());
    replies.settle({key});
    return key;
  }
};

}  // namespace

TEST_CASE("a kept reply is found by its caller and message id, durably", "[service]") {
  Kept k;
  CHECK_FALSE(k.replies.find("broker:alice", "m1").has_value());
  k.write("broker:alice", "m1", "reply one");
  CHECK(k.replies.find("broker:alice", "m1") == std::optional<std::string>("reply one"));
  CHECK_FALSE(k.replies.find("broker:alice", "m2").has_value());
  // Another caller's message with the same id is that caller's own.
  CHECK_FALSE(k.replies.find("integration:portal", "m1").has_value());
  CHECK_FALSE(k.replies.find("broker:alic", "em1").has_value());  // no ambiguity of joins

  // A new store over the same data (a restart) finds it as well.
  service::IdempotencyStore reopened{*k.db, 3600s, [&k] { return k.now; }};
  CHECK(reopened.find("broker:alice", "m1") == std::optional<std::string>("reply one"));
}

TEST_CASE("a staged reply is found before its batch lands, and not after it was lost",
          "[service]") {
  Kept k;
  rocksdb::WriteBatch batch;
  auto key = k.replies.stage(batch, "broker:alice", "m1", "reply", {});
  CHECK(k.replies.pending() == 1);
  CHECK(k.replies.find("broker:alice", "m1") == std::optional<std::string>("reply"));
  k.replies.settle({key});  // lost: never committed
  CHECK(k.replies.pending() == 0);
  CHECK_FALSE(k.replies.find("broker:alice", "m1").has_value());
}

TEST_CASE("kept replies expire after the retention window and are purged", "[service]") {
  Kept k;
  k.write("broker:alice", "old", "old reply", {"PL-000001"});
  k.now += 1800 * 1'000'000LL;
  k.write("broker:alice", "young", "young reply");
  CHECK(k.replies.purge_expired().value() == 0);

  k.now += 1800 * 1'000'000LL;  // "old" is an hour old now
  CHECK_FALSE(k.replies.find("broker:alice", "old").has_value());
  CHECK(k.replies.find("broker:alice", "young").has_value());
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
  k.replies.stage(staged, "broker:alice", "update", "new contacts of PL-000001", {"PL-000001"});

  rocksdb::WriteBatch& erasure = staged;  // the erasure is staged in the same generation
  CHECK(k.replies.forget(erasure, "PL-000001").value() == 2);
  CHECK_FALSE(k.replies.find("broker:alice", "update").has_value());
  CHECK(k.replies.find("broker:alice", "register").has_value());  // until the batch lands
  REQUIRE(k.db->commit(erasure).ok());
  CHECK_FALSE(k.replies.find("broker:alice", "register").has_value());
  CHECK_FALSE(k.replies.find("broker:alice", "update").has_value());
  CHECK(k.replies.find("broker:alice", "other").has_value());
  std::size_t rows = 0;
  auto it = k.db->iterate(k.db->cf(service::kIdempotencyFamily));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  CHECK(rows == 2);  // "other" and its subject row
}
