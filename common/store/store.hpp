#pragma once
// RocksDB with named column families and atomic, synced WriteBatches. The WAL is
// always on and flushed by RocksDB itself: anything committed survives kill -9,
// and with sync (the default) a machine crash too.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

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
  Status commit(rocksdb::WriteBatch& batch, Durability durability = Durability::sync);

  Result<std::optional<std::string>> get(rocksdb::ColumnFamilyHandle* cf,
                                         std::string_view key) const;
  std::unique_ptr<rocksdb::Iterator> iterate(rocksdb::ColumnFamilyHandle* cf) const;

  rocksdb::DB& db() { return *db_; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& handles() const { return handles_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Store() = default;
  std::filesystem::path dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> by_name_;
};

}  // namespace gosmart::store
