#pragma once
// The audit's log: every event of the node's local streams (registry, matching,
// notifier) appended as a leaf of an RFC 6962 Merkle tree (domain/merkle.hpp), in
// the order the audit takes them, and the proofs an outsider checks against a
// checkpoint of that tree.
//
// A leaf names its event and hashes its bytes; it holds no payload, so an erasure in
// the registry leaves every leaf, root and proof as it was:
//   gosmart-audit/v1 <service> <origin> <seq> <type> <base64 SHA-256 of the event's bytes>
//
// Stored in the subscriber's batch, with its cursor (the same batch: a crash re-reads
// the event or finds its leaf, never neither, never both): the leaf's entry, the
// perfect subtrees it completes, the event's place -> the leaf's index, and the
// tree's right edge. Streams are taken one drain at a time on the service loop, each
// committed before the next is read, so one stream's leaves never interleave with an
// uncommitted batch of another.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/replication/subscriber.hpp"
#include "common/store/store.hpp"
#include "services/audit/domain/merkle.hpp"

namespace gosmart::audit {

inline constexpr const char* kLeavesCf = "leaves";  // big-endian index -> entry
inline constexpr const char* kNodesCf = "nodes";    // level byte, BE index -> hash
inline constexpr const char* kLeafOfEventCf =
    "leaf_of";                                  // "<service>|<origin>|" BE seq -> BE index
inline constexpr const char* kTreeCf = "tree";  // "frontier" -> AuditFrontier
// The subscribers' cursors, one column family per local stream read.
std::string cursors_cf(const std::string& service);
std::vector<std::string> audit_column_families(const std::vector<std::string>& streams);

// The leaf entry of an event read from `service`'s stream.
std::string leaf_entry(const std::string& service, const DecodedEnvelope& event);
// The leaf entry of an event a catch-up page carried as bytes that are no envelope
// (or over the node's reader limits): its place is recorded, with no hash:
//   gosmart-audit/v1 <service> <origin> <seq> unreadable -
std::string unreadable_entry(const std::string& service, const std::string& origin, uint64_t seq);

struct InclusionAnswer {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::string entry;
  std::vector<Hash> path;
  Hash root{};
};

struct ConsistencyAnswer {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::vector<Hash> path;
  Hash old_root{};
  Hash new_root{};
};

class AuditLog {
 public:
  // Reads the stored right edge; throws std::runtime_error when the store holds a
  // frontier it cannot read (a damaged tree must be looked at, not grown).
  AuditLog(store::Store& store, std::string log_origin);

  // The applier of one local stream: appends each new event as a leaf.
  std::unique_ptr<replication::Applier> applier_for(const std::string& service);

  const std::string& origin() const { return origin_; }
  uint64_t size() const { return committed_.size(); }
  // Events seen again at a number they already had, with other content: each is a
  // leaf of its own too (the place now proves to the latest), and counted for good.
  uint64_t rewritten() const { return rewritten_; }
  Hash root() const { return committed_.root(); }
  // The C2SP tlog-checkpoint body of the tree as it stands (unsigned).
  std::string checkpoint_text() const;

  // That the event (service, origin, seq) is in the tree of `tree_size` leaves (0:
  // the tree as it stands). NOT_FOUND when the audit has no such event, or not yet
  // in a tree that small; INVALID_FIELD for a size beyond the tree.
  Result<InclusionAnswer> inclusion(const std::string& service, const std::string& origin,
                                    uint64_t seq, uint64_t tree_size) const;
  // That the tree of `new_size` (0: as it stands) extends the one of `old_size`.
  Result<ConsistencyAnswer> consistency(uint64_t old_size, uint64_t new_size) const;

 private:
  class StreamApplier;
  Status append(const std::string& service, const DecodedEnvelope& event,
                store::StagingBatch& batch);
  void append_entry(const std::string& service, const std::string& origin, uint64_t seq,
                    const std::string& entry, store::StagingBatch& batch);
  bool compare_again(const std::string& service, const DecodedEnvelope& event,
                     store::StagingBatch& batch);
  void prepare_commit(store::StagingBatch& batch);
  void committed() {
    committed_ = *staged_;
    staged_.reset();
    rewritten_ += staged_rewritten_;
    staged_rewritten_ = 0;
    staged_entries_.clear();
  }
  void aborted() {
    staged_.reset();
    staged_rewritten_ = 0;
    staged_entries_.clear();
  }
  std::optional<Hash> node(const NodeId& id) const;

  store::Store& store_;
  std::string origin_;
  Frontier committed_;
  std::optional<Frontier> staged_;  // the tree with the uncommitted batch's leaves
  uint64_t rewritten_ = 0;
  uint64_t staged_rewritten_ = 0;
  std::map<uint64_t, std::string> staged_entries_;  // the uncommitted leaves, by index
};

}  // namespace gosmart::audit
