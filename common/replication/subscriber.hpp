#pragma once
// Reader side of the durable Clone pattern: applies a writer's events exactly once,
// in order, per origin. Each applied event and the origin's cursor go into one
// WriteBatch, so a crash never applies an event twice nor skips one. Events at or
// below the cursor are duplicates and skipped; a jump, a heartbeat announcing a
// higher head, or a (re)start asks the writer's `sync` socket for pages from the cursor.
#include <rocksdb/write_batch.h>
#include <zmq.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/logging/rate_limited_log.hpp"
#include "common/store/staging_batch.hpp"
#include "common/store/store.hpp"
#include "common/transport/liveness.hpp"

namespace gosmart::replication {

enum class Arrival { apply, duplicate, gap };

// Where an event with `seq` stands against a cursor (last applied seq).
inline Arrival classify(uint64_t cursor, uint64_t seq) {
  if (seq <= cursor) return Arrival::duplicate;
  return seq == cursor + 1 ? Arrival::apply : Arrival::gap;
}

class Applier {
 public:
  virtual ~Applier() = default;
  // Adds the event's effect to `batch`, which reads back the writes of the events
  // before it in the same drain (store/staging_batch.hpp). A Failure rejects the
  // event: it is logged, counted and passed over, since a poison event must not
  // stall the stream.
  virtual Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) = 0;
  // The event numbered `seq` of `origin` came in a catch-up page but cannot be read
  // (bytes that are no envelope, or over this node's reader limits): it is counted,
  // logged and passed over like a rejected one. A relaying applier puts a marker in
  // its place so that its own readers see no hole.
  virtual void unreadable(const std::string& /*origin*/, uint64_t /*seq*/, const Failure& /*why*/,
                          store::StagingBatch& /*batch*/) {}
  // A placeholder at its number (the writer refused that event, or an erasure
  // redacted it): nothing to apply; an applier that records every number (an audit)
  // records it.
  virtual void placeholder(const DecodedEnvelope& /*event*/, store::StagingBatch& /*batch*/) {}
  // An event at or below the cursor, applied before. An applier that holds the
  // events (a relaying log) compares it with its copy: a writer restored from a
  // backup numbers again under a new epoch. Returns whether it staged anything into
  // `batch` (committed with the subscriber's batch).
  virtual bool duplicate(const DecodedEnvelope& /*event*/, store::StagingBatch& /*batch*/) {
    return false;
  }
  // Called once before a batch is committed: room for per-batch state (counters,
  // digests) that would be wasteful to rewrite for every event.
  virtual void prepare_commit(store::StagingBatch& /*batch*/) {}
  virtual void committed() {}  // the batch of the last apply() calls is durable
  virtual void aborted() {}    // it is not
};

struct SubscriberOptions {
  std::string cursor_column_family = "cursors";
  std::set<std::string> origins;  // accepted origins; empty: any country code
  // A peer's stream also relays third countries' events; those are read from their
  // own registries, so here they are passed over quietly (counted as `ignored`).
  bool ignore_other_origins = false;
  std::vector<std::string> topics = {""};  // PUB prefixes to receive (heartbeats always)
  std::size_t page_events = 1000;
  std::size_t drain_max = 4096;  // live events folded into one batch at most
  transport::Millis request_timeout{2000};
  // With no progress for this long, ask the writer anyway: convergence must not
  // hang on heartbeats alone (they can be lost or unreadable too).
  transport::Millis idle_poll{5000};
  // Catch-up requests that bring nothing new (an empty page, a head at or below the
  // cursor, a timeout, a failed commit) are spaced by at least min_retry_gap and by a
  // jittered back-off doubling up to max_retry_gap: a regressed or broken writer is
  // asked at most 5 times a second, never in a loop. A page that moves the cursor
  // may be followed at once.
  transport::Millis min_retry_gap{200};
  transport::Millis max_retry_gap{5000};
  transport::Millis evasive_after{3000};
  transport::Millis expired_after{10000};
  // The writer's endpoints, for a fresh connection when nothing at all (not even a
  // heartbeat) was heard for expired_after (the sync socket: for the longer of
  // expired_after and three idle_polls, since it answers only when asked): libzmq drops a
  // connection that delivered a frame over the size limit and, from a writer that keeps sending
  // such frames or that broke the protocol once, does not come back by itself (outside findings,
  // wave 3: a reader then heard nothing from a live peer until restarted). Empty: no
  // reconnection by the subscriber (libzmq's own reconnect only).
  std::string events_endpoint;
  std::string sync_endpoint;
  EnvelopeLimits limits;
};

struct SubscriberStats {
  uint64_t applied_live = 0;
  uint64_t applied_catchup = 0;
  uint64_t duplicates = 0;
  uint64_t gaps = 0;
  uint64_t rejected = 0;     // refused by the applier, or unreadable in a page: passed over
  uint64_t passed_over = 0;  // placeholders: events refused by a relay, or redacted
  uint64_t ignored = 0;
  uint64_t malformed = 0;
  // Refused for claiming an origin the writer may not speak for: a live frame whose
  // envelope's origin is not its label's, an event of another origin inside a
  // catch-up page, a page of an origin not taken from this writer. Counted in
  // `malformed` too (and `rejected`, for an event the label admitted), logged at
  // most once per 10 s per claimed origin.
  uint64_t foreign_origin = 0;
  uint64_t pages = 0;
  uint64_t requests = 0;
  uint64_t commits = 0;
  uint64_t reconnects = 0;  // fresh connections to a writer that went silent
};

class Subscriber {
 public:
  Subscriber(store::Store& store, zmq::socket_t& events, zmq::socket_t& sync, Applier& applier,
             SubscriberOptions options);

  void start();
  void on_events_readable();
  void on_sync_readable();
  void tick();  // retries timed-out catch-up requests; call from a timer

  uint64_t cursor(const std::string& origin) const;
  std::map<std::string, uint64_t> cursors() const;
  uint64_t writer_head(const std::string& origin) const;  // as last announced
  const SubscriberStats& stats() const { return stats_; }
  transport::PeerState writer_state() const;
  // How long events of `origin` the writer announced have waited to be applied: 0
  // when caught up (replication lag in time, next to the lag in events).
  transport::Millis lag_for(const std::string& origin) const;
  transport::Millis writer_silent_for() const;
  // The writer's head for `origin` went below what this reader applied: it was
  // restored from a backup, or it lost its log. Cleared when it is past it again.
  bool regressed(const std::string& origin) const;
  // The head the writer's heartbeats announce for `origin`, any origin, also one not
  // taken from it (a registry learns from its peers' heads of its own origin that it
  // was restored from a backup).
  std::optional<uint64_t> heard_head(const std::string& origin) const;

 private:
  struct OriginState {
    uint64_t cursor = 0;
    uint64_t head = 0;    // highest seq the writer announced
    bool behind = false;  // head > cursor
    transport::Clock::time_point behind_since{};
    bool in_flight = false;
    transport::Clock::time_point deadline{};
    transport::Clock::time_point last_asked{};
    transport::Clock::time_point not_before{};  // no request before this
    transport::Backoff backoff{transport::Millis(200), transport::Millis(5000)};
    bool regressed = false;
  };
  struct PendingBatch {
    explicit PendingBatch(store::Store& store) : batch(store) {}
    store::StagingBatch batch;
    std::map<std::string, uint64_t> cursors;  // advanced, not yet committed
    uint64_t applied = 0;
    bool staged_duplicates = false;  // the applier staged something for a duplicate
  };

  OriginState& state(const std::string& origin);
  static void note_lag(OriginState& st);
  bool accepts(const std::string& origin) const;
  void take(PendingBatch& pending, const DecodedEnvelope& event, std::set<std::string>& lagging);
  bool commit(PendingBatch& pending);
  void request_catchup(const std::string& origin);
  void note_unproductive(OriginState& st);
  void note_announced(OriginState& st, uint64_t seq);  // a live event or heartbeat
  void note_writer_head(const std::string& origin, OriginState& st, uint64_t writer_last,
                        bool moved);
  void note_heartbeat(const DecodedEnvelope& beat, std::set<std::string>& lagging);
  uint64_t pending_cursor(const PendingBatch& pending, const std::string& origin);
  void refuse_foreign(const std::string& where, const std::string& claimed,
                      const std::string& expected);
  void reconnect_if_silent(transport::Clock::time_point now);
  bool pass_over_unreadable(PendingBatch& pending, const std::string& origin, uint64_t seq,
                            const Failure& why);

  store::Store& store_;
  zmq::socket_t& events_;
  zmq::socket_t& sync_;
  Applier& applier_;
  SubscriberOptions options_;
  logging::RateLimitedLog foreign_log_;
  // Poison events are at a peer's will too: one line per origin per 10 s.
  logging::RateLimitedLog rejected_log_;
  rocksdb::ColumnFamilyHandle* cursor_cf_;
  std::map<std::string, OriginState> origins_;
  std::map<std::string, uint64_t> heard_heads_;
  transport::PeerLiveness writer_;
  // When each socket last delivered anything: heartbeats come every second on the
  // events socket, and catch-up is asked at least every idle_poll on the sync one.
  transport::Clock::time_point events_heard_ = transport::Clock::now();
  transport::Clock::time_point sync_heard_ = transport::Clock::now();
  logging::RateLimitedLog silence_log_{std::chrono::minutes(5)};
  SubscriberStats stats_;
};

}  // namespace gosmart::replication
