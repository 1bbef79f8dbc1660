// The store under a failing disk (tests/support/fault_file_system.hpp): what it
// acknowledged survives a machine crash, and a commit that did not reach the disk
// is reported as failed, up to the reply the api server gives (unavailable).
#include <poll.h>

#include <catch2/catch.hpp>

#include "common/service/commit_pipeline.hpp"
#include "common/store/store.hpp"
#include "common/store/test_env.hpp"
#include "tests/support/fault_file_system.hpp"
#include "tests/support/process.hpp"
#include "tests/support/staged_writes.hpp"

using namespace gosmart;

namespace {

std::optional<std::string> read(store::Store& db, const std::string& key) {
  auto value = db.get(db.cf("data"), key);
  REQUIRE(value.ok());
  return value.value();
}

Status put(store::Store& db, const std::string& key, const std::string& value,
           store::Durability durability = store::Durability::sync) {
  rocksdb::WriteBatch batch;
  batch.Put(db.cf("data"), key, value);
  return db.commit(batch, durability);
}

using Staged = testing::StagedWrites;

// Runs the pipeline until `waiter` was called; what it was told.
std::optional<bool> settle(service::CommitPipeline& pipeline, const std::optional<bool>& told) {
  for (int i = 0; i < 100 && !told; ++i) {
    pollfd fd{pipeline.notify_fd(), POLLIN, 0};
    if (::poll(&fd, 1, 100) == 1) pipeline.on_landed();
  }
  return told;
}

}  // namespace

TEST_CASE("a synced commit survives a machine crash; the unsynced tail is what it loses",
          "[store]") {
  testing::TempDir dir;
  auto faults = std::make_shared<testing::FaultFileSystem>();
  {
    store::TestEnv seam(faults->env());
    auto db = store::Store::open(dir.path() / "db", {"data"});
    REQUIRE(put(*db, "acknowledged-1", "a").ok());
    REQUIRE(put(*db, "acknowledged-2", "b").ok());
    // Written to the WAL (the page cache), never synced: a process crash keeps it,
    // a machine crash may not.
    REQUIRE(put(*db, "unsynced", "c", store::Durability::no_sync).ok());
    faults->crash();
  }  // closing writes nothing now: the disk is gone
  // The control: the crash did take something, so the seam is not a no-op.
  CHECK(faults->drop_unsynced() > 0);
  auto db = store::Store::open(dir.path() / "db", {"data"});
  CHECK(read(*db, "acknowledged-1") == std::optional<std::string>("a"));
  CHECK(read(*db, "acknowledged-2") == std::optional<std::string>("b"));
  CHECK(read(*db, "unsynced") == std::nullopt);
}

TEST_CASE("a commit the disk refuses fails; a refused write leaves nothing", "[store]") {
  testing::TempDir dir;
  auto faults = std::make_shared<testing::FaultFileSystem>();
  auto seam = std::make_unique<store::TestEnv>(faults->env());
  auto db = store::Store::open(dir.path() / "db", {"data"});
  REQUIRE(put(*db, "before", "1").ok());
  auto reopen = [&] {
    faults->fail_writes(false);
    faults->fail_syncs(false);
    db.reset();
    seam.reset();
    return store::Store::open(dir.path() / "db", {"data"});
  };

  SECTION("a write that fails") {
    faults->fail_writes(true);
    auto status = put(*db, "refused", "2");
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().message.find("store write failed") != std::string::npos);
    CHECK(faults->failures() > 0);
    auto reopened = reopen();
    CHECK(read(*reopened, "before") == std::optional<std::string>("1"));
    CHECK(read(*reopened, "refused") == std::nullopt);
  }
  SECTION("a sync that fails") {
    // The record reached the file, not the disk: the commit is not acknowledged,
    // though it may be found after a restart (a retry then finds its kept reply).
    faults->fail_syncs(true);
    CHECK_FALSE(put(*db, "unsure", "2").ok());
    CHECK(faults->failures() > 0);
    auto reopened = reopen();
    CHECK(read(*reopened, "before") == std::optional<std::string>("1"));
  }
}

TEST_CASE("a failed commit tells every waiting reply it was not stored", "[store]") {
  testing::TempDir dir;
  auto faults = std::make_shared<testing::FaultFileSystem>();
  store::TestEnv seam(faults->env());
  auto db = store::Store::open(dir.path() / "db", {"data"});
  Staged staged(*db);
  service::CommitPipeline pipeline(*db, staged);

  staged.write("stored");
  std::optional<bool> first;
  pipeline.after_durable([&](bool stored) { first = stored; });
  pipeline.flush();
  REQUIRE(settle(pipeline, first) == std::optional<bool>(true));
  CHECK(staged.landed_batches == 1);

  // The disk fails: the api server answers these unavailable (api_server.cpp).
  faults->fail_syncs(true);
  staged.write("lost");
  std::optional<bool> second;
  pipeline.after_durable([&](bool stored) { second = stored; });
  pipeline.flush();
  REQUIRE(settle(pipeline, second) == std::optional<bool>(false));
  CHECK(staged.lost_batches == 1);
  CHECK(staged.landed_batches == 1);
}

// After a failed synced commit RocksDB (7.8) keeps a background error, and
// Debian's build asserts on the next write to the WAL it could not finish: the
// store marks itself failed, refuses every later commit with `unavailable` (nothing
// reaches RocksDB), and the service host stops the process (kExitStorageFailed).
// Reopened on a disk that works, the store has what it acknowledged and takes
// writes again: recovery is a restart, which a supervisor does.
TEST_CASE("a store that failed a synced write says so and recovers when opened again", "[store]") {
  testing::TempDir dir;
  auto faults = std::make_shared<testing::FaultFileSystem>();
  auto seam = std::make_unique<store::TestEnv>(faults->env());
  auto db = store::Store::open(dir.path() / "db", {"data"});
  REQUIRE(put(*db, "before", "1").ok());
  CHECK_FALSE(db->failed());
  faults->fail_syncs(true);
  auto refused = put(*db, "refused", "2");
  CHECK_FALSE(refused.ok());
  CHECK(db->failed());
  faults->fail_syncs(false);
  // The disk works again, but this store must not write past a broken WAL record.
  auto still = put(*db, "after the failure", "3");
  REQUIRE_FALSE(still.ok());
  CHECK(still.error().code == ErrorCode::UNAVAILABLE);
  CHECK(read(*db, "before") == std::optional<std::string>("1"));
  db.reset();
  seam.reset();
  auto reopened = store::Store::open(dir.path() / "db", {"data"});
  CHECK_FALSE(reopened->failed());
  CHECK(read(*reopened, "before") == std::optional<std::string>("1"));
  CHECK(read(*reopened, "after the failure") == std::nullopt);
  REQUIRE(put(*reopened, "after", "4").ok());
  CHECK(read(*reopened, "after") == std::optional<std::string>("4"));
}

TEST_CASE("a store refuses writes while its disk has less room than it must keep", "[store]") {
  testing::TempDir dir;
  store::StoreOptions options;
  {
    auto probe = store::Store::open(dir.path() / "probe", {"data"});
    REQUIRE(probe->free_bytes() > 0);
    // More than the disk has: every write is refused, and says why.
    options.min_free_bytes = probe->free_bytes() + (std::uint64_t{1} << 40);
  }
  auto db = store::Store::open(dir.path() / "db", {"data"}, options);
  auto refused = put(*db, "k", "v");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::UNAVAILABLE);
  CHECK(refused.error().message.find("disk nearly full") != std::string::npos);
  CHECK_FALSE(db->failed());  // a full disk is a state that passes, not a failure
  CHECK(read(*db, "k") == std::nullopt);
  db.reset();
  options.min_free_bytes = 1;
  auto roomy = store::Store::open(dir.path() / "db", {"data"}, options);
  CHECK(put(*roomy, "k", "v").ok());
}
