#include "services/registry/replica_applier.hpp"

namespace gosmart::registry {

Status ReplicaApplier::apply(const DecodedEnvelope& event, rocksdb::WriteBatch& batch) {
  auto applied = registry_.apply_peer_event(event, batch);
  if (!applied) return applied;
  relayed_.push_back(log_.relay(batch, event));
  return {};
}

void ReplicaApplier::committed() {
  registry_.replicas_committed();
  log_.committed(relayed_);
  publisher_.publish(relayed_);
  relayed_.clear();
}

void ReplicaApplier::aborted() {
  registry_.replicas_aborted();
  for (const auto& event : relayed_) log_.aborted(event.origin);
  relayed_.clear();
}

}  // namespace gosmart::registry
