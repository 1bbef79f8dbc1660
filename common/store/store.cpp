#include "common/store/store.hpp"

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <sys/statvfs.h>

#include <chrono>

#include <stdexcept>

#include "common/core/break_point.hpp"
#include "common/store/test_env.hpp"

namespace gosmart::store {

std::unique_ptr<Store> Store::open(const std::filesystem::path& dir,
                                   const std::vector<std::string>& column_families,
                                   const StoreOptions& options) {
  std::filesystem::create_directories(dir);
  // The organisations' data: readable by this user only, whatever the umask of
  // whoever created the directory (services set 077 themselves).
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // Never manual_wal_flush: it loses acknowledged writes on kill -9.
  db_options.manual_wal_flush = false;
  db_options.max_open_files = 512;
  db_options.keep_log_file_num = 4;
  // Erasure must leave no old bytes behind (Scrubber): no archived WAL files, and
  // no recycled WAL file that keeps old records in its tail.
  db_options.WAL_ttl_seconds = 0;
  db_options.WAL_size_limit_MB = 0;
  db_options.recycle_log_file_num = 0;
  db_options.IncreaseParallelism(2);
  if (auto* env = test_env()) db_options.env = env;  // tests only (test_env.hpp)

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  // Fresh data is rewritten soon by compaction: compressing it at flush (L0) and
  // again into L1 spent a tenth of a registry's CPU under bulk import. Deeper
  // levels, where the data settles, keep Snappy.
  // Our keys mostly grow in order within a two-byte prefix (event log: origin +
  // sequence; organisations: country + number; logs by big-endian sequence): the
  // memtable inserts next to the last key of the prefix instead of searching.
  cf_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(2));
  cf_options.compression_per_level = {rocksdb::kNoCompression, rocksdb::kNoCompression,
                                      rocksdb::kSnappyCompression};
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Most point reads on the write path miss: a retry's message id, a new national
  // id, a new organisation. Without a filter each miss searched every table file's
  // index (and read blocks from disk once the cache was cold): half a registration's
  // cost (tools/bench-compare, session 10). A Bloom filter per file, and one over the
  // memtable, answer most misses without a search.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.memtable_whole_key_filtering = true;
  cf_options.memtable_prefix_bloom_size_ratio = 0.05;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const auto& name : column_families) descriptors.emplace_back(name, cf_options);

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->min_free_bytes_ = options.min_free_bytes;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(db_options, dir.string(), descriptors, &store->handles_, &raw);
  if (!status.ok()) {
    throw std::runtime_error("store: cannot open " + dir.string() + ": " + status.ToString());
  }
  store->db_.reset(raw);
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    store->by_name_.emplace(descriptors[i].name, store->handles_[i]);
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* Store::cf(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) throw std::out_of_range("store: no column family '" + name + "'");
  return it->second;
}

std::uint64_t Store::free_bytes() const {
  struct statvfs info {};
  if (::statvfs(dir_.c_str(), &info) != 0) return 0;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

std::uint64_t Store::free_bytes_for_commit() {
  // statvfs per commit was 2% of the notifier's time under a burst of unsynced
  // commits (a mark per message sent): far from the guard, a disk does not fill in
  // 100 ms; near it, every commit reads again.
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  auto known = known_free_.load(std::memory_order_relaxed);
  if (now - free_read_at_ns_.load(std::memory_order_relaxed) < 100'000'000 &&
      known / 2 >= min_free_bytes_) {
    return known;
  }
  auto free = free_bytes();
  known_free_.store(free, std::memory_order_relaxed);
  free_read_at_ns_.store(now, std::memory_order_relaxed);
  return free;
}

Status Store::commit(rocksdb::WriteBatch& batch, Durability durability) {
  if (failed()) {
    return fail(ErrorCode::UNAVAILABLE,
                "store failed an earlier write and takes no more until the service restarts");
  }
  if (min_free_bytes_ > 0 && !GOSMART_BREAK_POINT("store.ignore_free_space")) {
    if (auto free = free_bytes_for_commit(); free < min_free_bytes_) {
      return fail(ErrorCode::UNAVAILABLE, "disk nearly full: " + std::to_string(free >> 20) +
                                              " MiB free, writes wait for " +
                                              std::to_string(min_free_bytes_ >> 20) + " MiB");
    }
  }
  rocksdb::WriteOptions options;
  options.sync =
      durability == Durability::sync && !GOSMART_BREAK_POINT("store.commit_without_sync");
  auto status = db_->Write(options, &batch);
  if (!status.ok()) {
    if ((status.IsIOError() || status.IsCorruption()) &&
        !GOSMART_BREAK_POINT("store.keep_writing_after_failure")) {
      failed_.store(true, std::memory_order_release);
    }
    return fail(ErrorCode::INTERNAL, "store write failed: " + status.ToString());
  }
  return {};
}

Status Store::sync_wal() {
  if (failed()) {
    return fail(ErrorCode::UNAVAILABLE,
                "store failed an earlier write and takes no more until the service restarts");
  }
  auto status = db_->SyncWAL();
  if (!status.ok()) {
    if (status.IsIOError() || status.IsCorruption()) failed_.store(true, std::memory_order_release);
    return fail(ErrorCode::INTERNAL, "store sync failed: " + status.ToString());
  }
  return {};
}

Result<std::optional<std::string>> Store::get(rocksdb::ColumnFamilyHandle* cf,
                                              std::string_view key) const {
  std::string value;
  auto status =
      db_->Get(rocksdb::ReadOptions(), cf, rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return fail(ErrorCode::INTERNAL, "store read failed: " + status.ToString());
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<rocksdb::Iterator> Store::iterate(rocksdb::ColumnFamilyHandle* cf) const {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf));
}

std::unique_ptr<rocksdb::Iterator> Store::iterate_below(rocksdb::ColumnFamilyHandle* cf,
                                                        const rocksdb::Slice* upper) const {
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = upper;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, cf));
}

}  // namespace gosmart::store
