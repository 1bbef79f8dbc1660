#pragma once
// A WriteBatch that can be read back: requests handled in one group commit see the
// writes of the requests before them, before anything is durable. With a pipelined
// commit there are two generations: the batch being staged and the one sealed and
// in flight (its fsync running on the committer's thread); reads see both, newest
// first, then the store.
#include <rocksdb/write_batch.h>

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/store/store.hpp"

namespace gosmart::store {

class BatchView {
 public:
  explicit BatchView(Store& store) : store_(store) {}

  void put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string value) {
    staging_.batch.Put(cf, key, value);
    staging_.overlay[overlay_key(cf, key)] = std::move(value);
  }
  // For keys this service never reads back while they are pending (logs written by
  // sequence number): no copy is kept for reading.
  void put_unread(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                  const std::string& value) {
    staging_.batch.Put(cf, key, value);
  }
  void del(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    staging_.batch.Delete(cf, key);
    staging_.overlay[overlay_key(cf, key)] = std::nullopt;
  }
  // The pending value if a staged or in-flight batch wrote the key, else the stored one.
  Result<std::optional<std::string>> get(rocksdb::ColumnFamilyHandle* cf,
                                         const std::string& key) const {
    auto wanted = overlay_key(cf, key);
    if (auto it = staging_.overlay.find(wanted); it != staging_.overlay.end()) return it->second;
    if (in_flight_) {
      if (auto it = in_flight_->overlay.find(wanted); it != in_flight_->overlay.end()) {
        return it->second;
      }
    }
    return store_.get(cf, key);
  }
  bool empty() const { return staging_.batch.Count() == 0; }
  // Keys of `cf` written (not deleted) by the staged or in-flight batch: what an
  // iteration of the store does not show yet.
  std::set<std::string> pending_keys(rocksdb::ColumnFamilyHandle* cf) const {
    std::set<std::string> keys;
    const std::string prefix = overlay_key(cf, "");
    auto collect = [&](const Generation& generation) {
      for (const auto& [joined, value] : generation.overlay) {
        if (value && joined.compare(0, prefix.size(), prefix) == 0) {
          keys.insert(joined.substr(prefix.size()));
        }
      }
    };
    if (in_flight_) collect(*in_flight_);
    collect(staging_);
    return keys;
  }
  // The batch being staged, for writers that append to it directly (the event log).
  rocksdb::WriteBatch& batch() { return staging_.batch; }

  // The staged batch goes in flight: returned for the committer, still readable here
  // until landed() or lost(). At most one batch is in flight.
  rocksdb::WriteBatch seal() {
    in_flight_.emplace(std::move(staging_));
    staging_.reset();
    rocksdb::WriteBatch sealed = std::move(in_flight_->batch);
    in_flight_->batch.Clear();  // a moved-from WriteBatch has no header
    return sealed;
  }
  void landed() { in_flight_.reset(); }  // durable: the store answers for it now
  void lost() {                          // nothing staged or in flight was stored
    in_flight_.reset();
    staging_.reset();
  }

 private:
  static std::string overlay_key(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string joined;
    joined.reserve(key.size() + 5);
    uint32_t id = cf->GetID();
    joined.append(reinterpret_cast<const char*>(&id), sizeof id);
    joined.push_back('\0');
    joined.append(key);
    return joined;
  }

  struct Generation {
    rocksdb::WriteBatch batch;
    std::unordered_map<std::string, std::optional<std::string>> overlay;
    void reset() {
      batch.Clear();
      overlay.clear();
    }
  };
  Store& store_;
  Generation staging_;
  std::optional<Generation> in_flight_;
};

}  // namespace gosmart::store
