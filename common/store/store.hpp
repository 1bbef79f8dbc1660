#pragma once
// RocksDB with named column families and atomic, synced WriteBatches. The WAL is
// always on and flushed by RocksDB itself: anything committed survives kill -9,
// and with sync (the default) a machine crash too.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"

namespace gosmart::store {

enum class Durability { sync, no_sync };

struct StoreOptions {
  std::size_t block_cache_bytes = 32 << 20;
  std::size_t write_buffer_bytes = 16 << 20;
  // Writes are refused (unavailable) while the store's file system has less room
  // than this: a full disk must stop writes while RocksDB can still flush and
  // compact, before a WAL write fails half-way (0: no guard).
  std::uint64_t min_free_bytes = 0;
};

class Store {
 public:
  // Opens (creating if missing) the database at `dir` with these column families
  // besides "default". Throws std::runtime_error: opening is an edge.
  static std::unique_ptr<Store> open(const std::filesystem::path& dir,
                                     const std::vector<std::string>& column_families,
                                     const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The handle of a column family named at open; throws std::out_of_range otherwise.
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const;

  // Applies the whole batch atomically; with Durability::sync one fsync covers it
  // (group commit: batch many events, pay one sync).
  // Refused with `unavailable` (nothing written) once the store has failed or while
  // the disk has less room than StoreOptions::min_free_bytes.
  Status commit(rocksdb::WriteBatch& batch, Durability durability = Durability::sync);
  // Makes every commit so far durable (one fsync of the WAL): for a writer that
  // commits with Durability::no_sync (kept through a process crash, not a machine
  // crash) and publishes only what a later sync covered.
  Status sync_wal();

  // True once a write failed with an I/O error or corruption. Such a store takes no
  // more writes: RocksDB cannot tell which part of a failed WAL write reached the
  // disk (Debian's build even asserts on the next write), so the process must stop
  // and reopen the store, which replays the WAL up to its last whole record.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Bytes free to this user on the store's file system (statvfs); 0 if unknown.
  std::uint64_t free_bytes() const;

  Result<std::optional<std::string>> get(rocksdb::ColumnFamilyHandle* cf,
                                         std::string_view key) const;
  std::unique_ptr<rocksdb::Iterator> iterate(rocksdb::ColumnFamilyHandle* cf) const;
  // Keys below `upper` only: the iterator stops there instead of stepping on over
  // whatever follows (removed keys included). `upper` must outlive the iterator.
  std::unique_ptr<rocksdb::Iterator> iterate_below(rocksdb::ColumnFamilyHandle* cf,
                                                   const rocksdb::Slice* upper) const;

  rocksdb::DB& db() { return *db_; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles() const { return handles_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Store() = default;
  std::filesystem::path dir_;
  std::uint64_t min_free_bytes_ = 0;
  std::atomic<bool> failed_{false};
  // The last free_bytes() reading and when (steady clock, ns): reused for a while
  // when far above the guard (commit(); any thread).
  std::atomic<std::uint64_t> known_free_{0};
  std::atomic<std::int64_t> free_read_at_ns_{0};
  // Free bytes as commit() sees them: a reading up to 100 ms old while it is more
  // than twice min_free_bytes, a fresh one otherwise.
  std::uint64_t free_bytes_for_commit();
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> by_name_;
};

}  // namespace gosmart::store
