#pragma once
// A service's staged writes for tests of the commit pipeline, reduced to one batch
// and two counters.
#include <utility>

#include "common/service/commit_pipeline.hpp"
#include "common/store/store.hpp"

namespace gosmart::testing {

struct StagedWrites : service::StagedWrites {
  store::Store& db;
  rocksdb::WriteBatch batch;
  int landed_batches = 0;
  int lost_batches = 0;
  explicit StagedWrites(store::Store& store) : db(store) {}
  void write(const std::string& key) { batch.Put(db.cf("data"), key, "v"); }
  bool has_changes() const override { return batch.Count() > 0; }
  rocksdb::WriteBatch seal() override { return std::exchange(batch, rocksdb::WriteBatch()); }
  rocksdb::WriteBatch& staging_batch() override { return batch; }
  void landed() override { ++landed_batches; }
  void lost() override { ++lost_batches; }
};

}  // namespace gosmart::testing
