#pragma once
// Peers' public records kept here: applying their events under the same rules as
// local writes, and the digest that tells two copies of the replicated state apart.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "services/registry/eois.hpp"
#include "services/registry/registry_stage.hpp"

namespace gosmart::registry {

class Replicas : StagedPart {
 public:
  // Counts the published replica profiles.
  Replicas(RegistryStage& stage, Eois& eois);

  // Several events of one batch may touch one record: replica writes are read back
  // from the subscriber's staging batch until it is committed (or aborted).
  Status apply_peer_event(const DecodedEnvelope& event, store::StagingBatch& batch);
  void committed() {
    published_ += published_delta_;
    published_delta_ = 0;
    if (erasures_) stage_.scrubber.request();
    erasures_ = false;
  }
  void aborted() {
    published_delta_ = 0;
    erasures_ = false;
  }
  uint64_t published_count() const { return static_cast<uint64_t>(published_); }

  Result<std::string> state_digest(const service::Request& request);

 private:
  bool replica_published(const store::StagingBatch& batch, const std::string& id) const;
  // The owner of a replica profile held here; none if it is not held.
  Result<std::optional<std::string>> replica_owner(const store::StagingBatch& batch,
                                                   const std::string& id) const;
  // Every replica profile held here of that owner (a scan: erasures are rare).
  std::set<std::string> replica_profiles_of(const store::StagingBatch& batch,
                                            const std::string& owner) const;

  Eois& eois_;
  int64_t published_ = 0;
  int64_t published_delta_ = 0;
  bool erasures_ = false;  // a peer's erasure is in the subscriber's batch
};

// The events of `origin` in this node's log that carry the organisation's data,
// redacted on erasure (at home, and in the relayed copies of a peer's events).
Status redact_events_of(replication::EventLog& log, rocksdb::WriteBatch& batch,
                        const std::string& origin, const std::string& org_id);

}  // namespace gosmart::registry
