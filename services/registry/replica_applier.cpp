#include "services/registry/replica_applier.hpp"

#include "common/core/break_point.hpp"

namespace gosmart::registry {

Status ReplicaApplier::apply(const DecodedEnvelope& event, store::StagingBatch& batch) {
  auto applied = guarded([&]() -> Status { return registry_.apply_peer_event(event, batch); });
  if (!applied) {
    if (GOSMART_BREAK_POINT("registry.refused_without_marker")) return applied;
    // Local readers of the merged stream must not wait for a number that will never
    // come: a marker takes the refused event's place (defect found in issue 11).
    relayed_.push_back(log_.relay_passed_over(batch.batch(), event, applied.error()));
    return applied;
  }
  relayed_.push_back(log_.relay(batch.batch(), event));
  return {};
}

void ReplicaApplier::unreadable(const std::string& origin, uint64_t seq, const Failure& why,
                                store::StagingBatch& batch) {
  relayed_.push_back(log_.relay_unreadable(batch.batch(), origin, seq, why));
}

bool ReplicaApplier::duplicate(const DecodedEnvelope& event, store::StagingBatch& batch) {
  const auto& header = event.header();
  auto held = log_.compare(event);
  if (held && held.value() != replication::Held::other) return false;
  auto kept = held ? log_.keep_conflict(batch.batch(), event) : Result<bool>(held.error());
  if (!kept) {
    conflict_log_.warn(header.origin_country,
                       "replication: {} #{} not compared with the copy held: {}",
                       header.origin_country, header.origin_seq, describe(kept.error()));
    return false;
  }
  if (!kept.value()) return false;  // this very content is kept already
  conflict_log_.warn(header.origin_country,
                     "replication: {} #{} came again under epoch {} with other content than the "
                     "copy held here: an epoch conflict (restored from a backup?); both kept, the "
                     "held copy stays ({} conflicts of {})",
                     header.origin_country, header.origin_seq, header.writer_epoch,
                     log_.conflicts(header.origin_country), header.origin_country);
  return true;
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
