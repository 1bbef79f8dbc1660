// The one read-your-writes overlay (common/store/staging_batch.hpp): what a batch
// stages, and what the batch in flight holds, is read back before it is durable.
#include <catch2/catch.hpp>

#include "common/store/staging_batch.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

namespace {

std::optional<std::string> read(const store::StagingBatch& batch, rocksdb::ColumnFamilyHandle* cf,
                                const std::string& key) {
  auto got = batch.get(cf, key);
  REQUIRE(got.ok());
  return got.value();
}

std::vector<std::pair<std::string, std::string>> scan(const store::StagingBatch& batch,
                                                      rocksdb::ColumnFamilyHandle* cf) {
  std::vector<std::pair<std::string, std::string>> seen;
  auto it = batch.iterate(cf);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen.emplace_back(it->key().ToString(), it->value().ToString());
  }
  REQUIRE(it->status().ok());
  return seen;
}

}  // namespace

TEST_CASE("a staging batch reads back its own puts and deletes over the store", "[store]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", {"a", "b"});
  auto* a = db->cf("a");
  rocksdb::WriteBatch stored;
  stored.Put(a, "kept", "old");
  stored.Put(a, "gone", "old");
  REQUIRE(db->commit(stored).ok());

  store::StagingBatch batch(*db);
  CHECK(batch.empty());
  batch.put(a, "new", "1");
  batch.put(a, "kept", "2");
  batch.del(a, "gone");
  batch.put(db->cf("b"), "new", "other family");
  CHECK(read(batch, a, "new") == "1");
  CHECK(read(batch, a, "kept") == "2");
  CHECK_FALSE(read(batch, a, "gone").has_value());
  CHECK(read(batch, db->cf("b"), "new") == "other family");
  CHECK_FALSE(read(batch, a, "never").has_value());
  CHECK(scan(batch, a) ==
        std::vector<std::pair<std::string, std::string>>{{"kept", "2"}, {"new", "1"}});
  CHECK(batch.keys(a) == std::vector<std::string>{"kept", "new"});
  CHECK(batch.keys(a, "ne") == std::vector<std::string>{"new"});
  // Unread writes are committed, not indexed.
  batch.put_unread(a, "log", "x");
  CHECK_FALSE(read(batch, a, "log").has_value());

  REQUIRE(db->commit(batch.batch()).ok());
  batch.clear();
  CHECK(batch.empty());
  CHECK(db->get(a, "log").value() == "x");
  CHECK_FALSE(db->get(a, "gone").value().has_value());
  CHECK(read(batch, a, "kept") == "2");
}

TEST_CASE("a sealed batch stays readable under the next one until it lands", "[store]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", {"a"});
  auto* a = db->cf("a");
  rocksdb::WriteBatch stored;
  stored.Put(a, "s", "stored");
  REQUIRE(db->commit(stored).ok());

  store::StagingBatch batch(*db);
  batch.put(a, "x", "in flight");
  batch.put(a, "y", "in flight");
  batch.del(a, "s");
  auto sealed = batch.seal();  // its fsync would run now, on the committer's thread
  CHECK(batch.empty());
  CHECK(read(batch, a, "x") == "in flight");
  CHECK_FALSE(read(batch, a, "s").has_value());  // deleted in flight, still in the store
  // The next generation overrides the one in flight, deletes included.
  batch.put(a, "x", "staged");
  batch.del(a, "y");
  batch.put(a, "s", "again");
  CHECK(read(batch, a, "x") == "staged");
  CHECK_FALSE(read(batch, a, "y").has_value());
  CHECK(read(batch, a, "s") == "again");
  CHECK(scan(batch, a) ==
        std::vector<std::pair<std::string, std::string>>{{"s", "again"}, {"x", "staged"}});
  CHECK(batch.keys(a) == std::vector<std::string>{"s", "x"});

  SECTION("it lands: the store answers for it") {
    REQUIRE(db->commit(sealed).ok());
    batch.landed();
    CHECK(read(batch, a, "y") == std::nullopt);  // the staged delete still holds
    CHECK(db->get(a, "y").value() == "in flight");
    auto next = batch.seal();
    REQUIRE(db->commit(next).ok());
    batch.landed();
    CHECK(db->get(a, "x").value() == "staged");
    CHECK_FALSE(db->get(a, "y").value().has_value());
  }
  SECTION("it is lost: both generations are forgotten") {
    batch.lost();
    CHECK(batch.empty());
    CHECK(read(batch, a, "s") == "stored");
    CHECK_FALSE(read(batch, a, "x").has_value());
    CHECK(batch.keys(a) == std::vector<std::string>{"s"});
  }
}
