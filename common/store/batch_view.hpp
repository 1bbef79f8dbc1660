#pragma once
// A WriteBatch that can be read back: requests handled in one group commit see the
// writes of the requests before them, before anything is durable.
#include <rocksdb/write_batch.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/store/store.hpp"

namespace gosmart::store {

class BatchView {
 public:
  explicit BatchView(Store& store) : store_(store) {}

  void put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string value) {
    batch_.Put(cf, key, value);
    overlay_[{cf->GetID(), key}] = std::move(value);
  }
  void del(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    batch_.Delete(cf, key);
    overlay_[{cf->GetID(), key}] = std::nullopt;
  }
  // The pending value if this batch wrote the key, else the stored one.
  Result<std::optional<std::string>> get(rocksdb::ColumnFamilyHandle* cf,
                                         const std::string& key) const {
    auto it = overlay_.find({cf->GetID(), key});
    if (it != overlay_.end()) return it->second;
    return store_.get(cf, key);
  }
  bool empty() const { return overlay_.empty() && batch_.Count() == 0; }
  rocksdb::WriteBatch& batch() { return batch_; }
  void clear() {
    batch_.Clear();
    overlay_.clear();
  }

 private:
  Store& store_;
  rocksdb::WriteBatch batch_;
  std::map<std::pair<uint32_t, std::string>, std::optional<std::string>> overlay_;
};

}  // namespace gosmart::store
