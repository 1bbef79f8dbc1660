#pragma once
// The one read-your-writes overlay of the platform: a batch of writes that can be
// read back before it is durable, so that the requests (or events) handled in one
// group commit see the writes of those before them. It is RocksDB's own
// WriteBatchWithIndex, not a map beside the batch: one copy of each value, and the
// index answers point reads and merged iteration in the column family's order.
//
// With a pipelined commit there are two generations: the batch being staged and
// the one sealed and in flight (its fsync running on the committer's thread).
// Reads see both, newest first, then the store. A batch that is committed in one
// step (a subscriber's drain) simply never seals: commit(batch()) and forget it.
#include <rocksdb/utilities/write_batch_with_index.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/store/store.hpp"

namespace gosmart::store {

class StagingBatch {
 public:
  explicit StagingBatch(Store& store);
  StagingBatch(StagingBatch&&) noexcept = default;
  ~StagingBatch();

  void put(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value);
  void del(rocksdb::ColumnFamilyHandle* cf, std::string_view key);
  // For keys never read back while they are pending (logs written by sequence
  // number, kept replies): appended to the batch without an index entry.
  void put_unread(rocksdb::ColumnFamilyHandle* cf, std::string_view key, std::string_view value) {
    batch().Put(cf, key, value);
  }
  // The pending value if a staged or in-flight batch wrote the key, else the stored one.
  Result<std::optional<std::string>> get(rocksdb::ColumnFamilyHandle* cf,
                                         std::string_view key) const;
  // The store's `cf` as it will be once what is staged and in flight lands.
  std::unique_ptr<rocksdb::Iterator> iterate(rocksdb::ColumnFamilyHandle* cf) const;
  // The keys of `cf` under `prefix` as they will be once what is staged and in
  // flight lands (a snapshot: the caller may write while it walks them).
  std::vector<std::string> keys(rocksdb::ColumnFamilyHandle* cf,
                                std::string_view prefix = {}) const;

  bool empty() const { return staging_->GetWriteBatch()->Count() == 0; }
  // The batch being staged, for writers that append to it directly (the event log,
  // kept replies): what goes in here is committed, but not read back (put_unread).
  rocksdb::WriteBatch& batch() { return *staging_->GetWriteBatch(); }

  // The staged batch goes in flight: a copy is returned for the committer, and it
  // stays readable here until landed() or lost(). At most one batch is in flight.
  rocksdb::WriteBatch seal();
  void landed() { in_flight_.reset(); }  // durable: the store answers for it now
  void lost();                           // nothing staged or in flight was stored
  // Forgets what is staged (a batch committed by the caller, or given up).
  void clear() { staging_->Clear(); }

 private:
  static std::unique_ptr<rocksdb::WriteBatchWithIndex> fresh();

  Store* store_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> staging_;
  std::unique_ptr<rocksdb::WriteBatchWithIndex> in_flight_;
};

}  // namespace gosmart::store
