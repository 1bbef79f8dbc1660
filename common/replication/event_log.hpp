#pragma once
// The durable, append-only event log of the Clone pattern: every event gets the
// next per-origin sequence number and is written into the caller's WriteBatch
// together with the state change it describes. Publish only after that batch is
// committed (committed()); a failed commit rolls the staged numbers back (aborted()).
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/store/store.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::replication {

inline constexpr const char* kLogColumnFamily = "event_log";
// "writer_epoch" -> the epoch of the log's last start (big-endian u64).
inline constexpr const char* kLogMetaColumnFamily = "event_log_meta";
// origin + seq + epoch + content hash -> an event held beside the log's own copy of
// that seq: same origin and number, other content (see EventLog::compare).
inline constexpr const char* kConflictColumnFamily = "event_conflicts";

// Placeholders hold a sequence number without content: readers advance past them.
inline bool is_placeholder(std::string_view type) {
  return type == wire_type(wire::PLATFORM_PASSED_OVER) ||
         type == wire_type(wire::PLATFORM_REDACTED);
}

// The column families an EventLog needs, to pass to Store::open.
std::vector<std::string> event_log_column_families();

struct StagedEvent {
  std::string topic;  // the event type: PUB topic, so subscribers filter in libzmq
  std::string bytes;  // the encoded envelope
  std::string origin;
  uint64_t seq = 0;
};

struct LogPage {
  std::vector<std::string> events;  // encoded envelopes, consecutive seqs
  uint64_t head = 0;                // the origin's committed head when the page was cut
};

// How a foreign event compares with the copy of its origin and seq this log holds.
enum class Held {
  none,   // nothing held at that seq (or only a placeholder: nothing to compare)
  same,   // byte for byte: a harmless duplicate
  other,  // other content (another epoch, or a forgery): a conflict, kept beside
};

class EventLog {
 public:
  // Opening begins a new writer epoch, one past the last start's, synced before
  // anything is written under it: a node cannot tell a restore from a restart, so
  // every start numbers under an epoch no earlier event carries. Throws when the
  // epoch cannot be stored.
  EventLog(store::Store& store, std::string origin, wire::Service service);

  // Stages an event of this node's own origin into `batch`; `fill` writes the payload.
  template <class Payload, class Fill>
  StagedEvent append(rocksdb::WriteBatch& batch, std::string_view type, Fill&& fill) {
    uint64_t seq = staged_head(origin_) + 1;
    EnvelopeBuilder builder(origin_, service_, type, seq);
    builder.root().setWriterEpoch(epoch_);
    fill(builder.init_payload<Payload>());
    return stage(batch, origin_, seq, std::string(type), builder.encode());
  }

  // Stages a foreign event (already validated, applied in order) so that this log's
  // stream relays it with its own origin and sequence.
  StagedEvent relay(rocksdb::WriteBatch& batch, const DecodedEnvelope& event);
  // Stages a "platform.passed_over" marker in place of a foreign event this node
  // refused: same origin and sequence, none of its content.
  StagedEvent relay_passed_over(rocksdb::WriteBatch& batch, const DecodedEnvelope& event,
                                const Failure& refusal);
  // The same for an event that could not even be read: its type is not known.
  StagedEvent relay_unreadable(rocksdb::WriteBatch& batch, const std::string& origin, uint64_t seq,
                               const Failure& why);

  // Replaces every committed event of `origin` that `concerns` picks with a
  // "platform.redacted" envelope of the same origin and sequence, in `batch`.
  // Reads the origin's whole log: erasure is rare and must find every copy.
  // Returns how many events it redacted.
  Result<std::size_t> redact(rocksdb::WriteBatch& batch, const std::string& origin,
                             const std::function<bool(const DecodedEnvelope&)>& concerns) const;

  void committed();  // every staged event is durable
  // These events are durable; events staged after them (a later batch, still in
  // flight or being built) are not yet.
  void committed(const std::vector<StagedEvent>& events);
  // A commit failed: forget everything staged and not committed, including later
  // batches built meanwhile (the caller drops those).
  void aborted();
  // The same for one origin only: a peer's stream failing to commit must not take
  // back this node's own numbers, whose batch may be in flight meanwhile.
  void aborted(const std::string& origin);

  // Events fetched back from peers after a restore (the home node's own origin,
  // consecutive from head+1, as its peers hold them), staged like its own.
  StagedEvent restore(rocksdb::WriteBatch& batch, const DecodedEnvelope& event);

  uint32_t epoch() const { return epoch_; }
  // Compares `event` with the committed copy of its origin and seq.
  Result<Held> compare(const DecodedEnvelope& event) const;
  // Keeps a conflicting event beside the held copy, never in its place; false when
  // that very content is kept already.
  Result<bool> keep_conflict(rocksdb::WriteBatch& batch, const DecodedEnvelope& event);
  // Conflicts kept per origin (counted at open, then as they are staged).
  uint64_t conflicts(const std::string& origin) const;
  uint64_t conflicts_total() const;
  // The held copy of `origin` at `seq`, if any.
  Result<std::optional<std::string>> event_at(const std::string& origin, uint64_t seq) const;

  uint64_t head(const std::string& origin) const;         // committed
  uint64_t staged_head(const std::string& origin) const;  // committed or staged
  std::map<std::string, uint64_t> heads() const { return committed_; }
  const std::string& origin() const { return origin_; }

  // Committed events of `origin` with seq > after, at most max_events and about max_bytes.
  Result<LogPage> read_after(const std::string& origin, uint64_t after, std::size_t max_events,
                             std::size_t max_bytes) const;

 private:
  StagedEvent stage(rocksdb::WriteBatch& batch, const std::string& origin, uint64_t seq,
                    std::string topic, std::string bytes);

  store::Store& store_;
  std::string origin_;
  wire::Service service_;
  rocksdb::ColumnFamilyHandle* log_cf_;
  rocksdb::ColumnFamilyHandle* conflict_cf_;
  uint32_t epoch_ = 0;
  std::map<std::string, uint64_t> conflicts_;
  std::map<std::string, uint64_t> committed_;
  std::map<std::string, uint64_t> staged_;
};

}  // namespace gosmart::replication
