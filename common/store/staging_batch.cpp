#include "common/store/staging_batch.hpp"

namespace gosmart::store {

namespace {

// (An empty string_view may hold no pointer at all, and RocksDB asserts on one.)
rocksdb::Slice slice(std::string_view s) {
  return {s.empty() ? "" : s.data(), s.size()};
}

enum class Found { absent, put, deleted };

// What `batch` alone says of `key`: the index keeps one entry per key (the latest,
// overwrite_key), which a seek finds. GetFromBatch cannot tell a key the batch
// deleted from one it never touched, and with a generation in flight that matters.
Found find(const rocksdb::WriteBatchWithIndex& batch, rocksdb::ColumnFamilyHandle* cf,
           std::string_view key, std::string& value) {
  std::unique_ptr<rocksdb::WBWIIterator> it(
      const_cast<rocksdb::WriteBatchWithIndex&>(batch).NewIterator(cf));
  it->Seek(slice(key));
  if (!it->Valid()) return Found::absent;
  auto entry = it->Entry();
  if (entry.key.compare(slice(key)) != 0) return Found::absent;
  if (entry.type == rocksdb::kPutRecord) {
    value.assign(entry.value.data(), entry.value.size());
    return Found::put;
  }
  return Found::deleted;  // the only other writes staged here are deletes
}

}  // namespace

StagingBatch::StagingBatch(Store& store) : store_(&store), staging_(fresh()) {}
StagingBatch::~StagingBatch() = default;

std::unique_ptr<rocksdb::WriteBatchWithIndex> StagingBatch::fresh() {
  return std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0,
                                                        /*overwrite_key=*/true);
}

void StagingBatch::put(rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                       std::string_view value) {
  staging_->Put(cf, slice(key), slice(value));
}

void StagingBatch::del(rocksdb::ColumnFamilyHandle* cf, std::string_view key) {
  staging_->Delete(cf, slice(key));
}

Result<std::optional<std::string>> StagingBatch::get(rocksdb::ColumnFamilyHandle* cf,
                                                     std::string_view key) const {
  std::string value;
  if (!in_flight_) {
    // One generation: RocksDB merges the batch with the database itself.
    auto status =
        staging_->GetFromBatchAndDB(&store_->db(), rocksdb::ReadOptions(), cf, slice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    if (!status.ok()) return fail(ErrorCode::INTERNAL, "store read failed: " + status.ToString());
    return std::optional<std::string>(std::move(value));
  }
  for (const auto* generation : {staging_.get(), in_flight_.get()}) {
    switch (find(*generation, cf, key, value)) {
      case Found::put:
        return std::optional<std::string>(std::move(value));
      case Found::deleted:
        return std::optional<std::string>();
      case Found::absent:
        break;
    }
  }
  return store_->get(cf, key);
}

std::unique_ptr<rocksdb::Iterator> StagingBatch::iterate(rocksdb::ColumnFamilyHandle* cf) const {
  rocksdb::Iterator* base = store_->iterate(cf).release();
  if (in_flight_) base = in_flight_->NewIteratorWithBase(cf, base);
  return std::unique_ptr<rocksdb::Iterator>(staging_->NewIteratorWithBase(cf, base));
}

std::vector<std::string> StagingBatch::keys(rocksdb::ColumnFamilyHandle* cf,
                                            std::string_view prefix) const {
  std::vector<std::string> keys;
  auto it = iterate(cf);
  for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
    keys.push_back(it->key().ToString());
  }
  return keys;
}

rocksdb::WriteBatch StagingBatch::seal() {
  rocksdb::WriteBatch sealed = *staging_->GetWriteBatch();
  in_flight_ = std::move(staging_);
  staging_ = fresh();
  return sealed;
}

void StagingBatch::lost() {
  in_flight_.reset();
  staging_->Clear();
}

}  // namespace gosmart::store
