#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "common/store/keys.hpp"
#include "common/store/scrubber.hpp"
#include "common/store/store.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

TEST_CASE("big-endian keys sort numerically", "[store]") {
  CHECK(store::keys::u64(1) < store::keys::u64(256));
  CHECK(store::keys::u64(255) < store::keys::u64(256));
  CHECK(store::keys::origin_seq("FI", 9) < store::keys::origin_seq("FI", 10));
  CHECK(store::keys::origin_seq("FI", 99999) < store::keys::origin_seq("PL", 1));
  CHECK(store::keys::read_u64(store::keys::u64(0x0102030405060708ull)) == 0x0102030405060708ull);
  CHECK_FALSE(store::keys::read_u64("short").has_value());
  auto key = store::keys::read_origin_seq(store::keys::origin_seq("LT", 77));
  REQUIRE(key.has_value());
  CHECK(key->origin == "LT");
  CHECK(key->seq == 77);
}

TEST_CASE("a batch commits atomically into named column families and survives reopen", "[store]") {
  testing::TempDir dir;
  {
    auto db = store::Store::open(dir.path() / "db", {"alpha", "beta"});
    rocksdb::WriteBatch batch;
    batch.Put(db->cf("alpha"), "k", "1");
    batch.Put(db->cf("beta"), "k", "2");
    REQUIRE(db->commit(batch).ok());
    CHECK(db->get(db->cf("alpha"), "k").value() == std::optional<std::string>("1"));
    CHECK(db->get(db->cf("beta"), "missing").value() == std::nullopt);
    CHECK_THROWS_AS(db->cf("gamma"), std::out_of_range);
  }
  auto db = store::Store::open(dir.path() / "db", {"alpha", "beta"});
  CHECK(db->get(db->cf("beta"), "k").value() == std::optional<std::string>("2"));
  auto it = db->iterate(db->cf("alpha"));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  CHECK(n == 1);
}

namespace {
// Files under `dir` whose bytes hold `needle`.
std::vector<std::string> files_holding(const std::filesystem::path& dir,
                                       const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) found.push_back(entry.path().filename());
  }
  return found;
}
}  // namespace

TEST_CASE("a scrub leaves no byte of deleted data in any file", "[store]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", {"people", "other"});
  const std::string secret = "contact-7f3a9c1e5b2d4f60";
  rocksdb::WriteBatch batch;
  batch.Put(db->cf("people"), "p1", secret);
  batch.Put(db->cf("other"), "o1", "unrelated");
  REQUIRE(db->commit(batch).ok());
  // Positive control: the search sees what is on disk (the WAL, uncompressed).
  REQUIRE_FALSE(files_holding(dir.path(), secret).empty());
  rocksdb::WriteBatch erase;
  erase.Delete(db->cf("people"), "p1");
  REQUIRE(db->commit(erase).ok());
  store::Scrubber scrubber(*db);
  scrubber.request();
  scrubber.wait_idle();
  CHECK(scrubber.completed() == 1);
  CHECK(db->get(db->cf("people"), "p1").value() == std::nullopt);
  CHECK(db->get(db->cf("other"), "o1").value() == std::optional<std::string>("unrelated"));
  CHECK(files_holding(dir.path(), secret).empty());
}

#include <poll.h>

#include "common/store/async_commit.hpp"

TEST_CASE("the async committer lands batches off the caller's thread and says so", "[store]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", {"data"});
  store::AsyncCommitter committer(*db);
  CHECK_FALSE(committer.collect().has_value());
  for (uint64_t ticket = 1; ticket <= 3; ++ticket) {
    rocksdb::WriteBatch batch;
    batch.Put(db->cf("data"), "k" + std::to_string(ticket), "v");
    committer.submit(std::move(batch), ticket);
    CHECK(committer.busy());
    CHECK_THROWS_AS(committer.submit(rocksdb::WriteBatch(), 99), std::logic_error);
    pollfd fd{committer.notify_fd(), POLLIN, 0};
    REQUIRE(::poll(&fd, 1, 5000) == 1);
    auto done = committer.collect();
    REQUIRE(done.has_value());
    CHECK(done->ticket == ticket);
    CHECK(done->status.ok());
    CHECK_FALSE(committer.busy());
    CHECK(db->get(db->cf("data"), "k" + std::to_string(ticket)).value().has_value());
  }
  rocksdb::WriteBatch last;
  last.Put(db->cf("data"), "last", "v");
  committer.submit(std::move(last), 7);
  auto done = committer.wait();
  REQUIRE(done.has_value());
  CHECK(done->ticket == 7);
}
