#include "services/registry/replica_applier.hpp"

namespace gosmart::registry {

Status ReplicaApplier::apply(const DecodedEnvelope& event, rocksdb::WriteBatch& batch) {
  auto applied = guarded([&]() -> Status { return registry_.apply_peer_event(event, batch); });
  if (!applied) {
    // Local readers of the merged stream must not wait for a number that will never
    // come: a marker takes the refused event's place (defect found in issue 11).
    relayed_.push_back(log_.relay_passed_over(batch, event, applied.error()));
    return applied;
  }
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
