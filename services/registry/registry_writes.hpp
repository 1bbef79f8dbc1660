#pragma once
// The registry's writes as the commit pipeline sees them: events are published only
// once their batch is durable.
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/service/commit_pipeline.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

class RegistryWrites : public service::StagedWrites {
 public:
  RegistryWrites(Registry& registry, replication::EventLog& log, replication::Publisher& publisher)
      : registry_(registry), log_(log), publisher_(publisher) {}
  bool has_changes() const override { return registry_.has_changes(); }
  rocksdb::WriteBatch seal() override { return registry_.seal(); }
  rocksdb::WriteBatch& staging_batch() override { return registry_.staged_batch(); }
  void landed() override {
    log_.committed(registry_.in_flight_events());
    publisher_.publish(registry_.in_flight_events());
    registry_.landed();
  }
  void lost() override {
    log_.aborted(log_.origin());
    registry_.lost();
  }

 private:
  Registry& registry_;
  replication::EventLog& log_;
  replication::Publisher& publisher_;
};

}  // namespace gosmart::registry
