#pragma once
// Applies a peer registry's public events into this registry's replicas and relays
// them into its own log, so that local services read one merged stream. A number
// it holds already that comes again with other content is an epoch conflict.
#include "common/logging/rate_limited_log.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

class ReplicaApplier : public replication::Applier {
 public:
  ReplicaApplier(Registry& registry, replication::EventLog& log, replication::Publisher& publisher)
      : registry_(registry), log_(log), publisher_(publisher) {}

  // Only the event types a registry publishes for peers are applied and relayed; a
  // type this version does not know is refused like any bad event (a marker goes in
  // its place): its content is never relayed unread.
  Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) override;
  void unreadable(const std::string& origin, uint64_t seq, const Failure& why,
                  store::StagingBatch& batch) override;
  // A seq of a peer's origin it holds already: other content (the peer was restored
  // from a backup and numbers again under a new epoch, or forges) is kept beside the
  // held copy, counted and logged (once per 10 s per origin); never relayed.
  bool duplicate(const DecodedEnvelope& event, store::StagingBatch& batch) override;
  void committed() override;
  void aborted() override;

 private:
  Registry& registry_;
  replication::EventLog& log_;
  replication::Publisher& publisher_;
  std::vector<replication::StagedEvent> relayed_;
  logging::RateLimitedLog conflict_log_;
};

}  // namespace gosmart::registry
