#pragma once
// The matching api's writes (broker decisions) as the commit pipeline sees them:
// their events are published only once their batch is durable.
#include "common/service/commit_pipeline.hpp"
#include "services/matching/matching.hpp"

namespace gosmart::matching {

class MatchingWrites : public service::StagedWrites {
 public:
  explicit MatchingWrites(MatchingCore& core) : core_(core) {}
  bool has_changes() const override { return core_.api_pending(); }
  rocksdb::WriteBatch seal() override { return core_.seal_api(); }
  rocksdb::WriteBatch& staging_batch() override { return core_.api_batch(); }
  void landed() override { core_.api_landed(); }
  void lost() override { core_.api_lost(); }

 private:
  MatchingCore& core_;
};

}  // namespace gosmart::matching
