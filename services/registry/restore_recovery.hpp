#pragma once
// A registry restored from a backup finds its own events at its peers: every peer
// keeps each origin's events in the relayed copies of its log, and its heartbeats
// announce the head it holds of each, this registry's own origin too. A head above
// this registry's own (or, at start, a probe whose pages bring events past it)
// means it regressed. It then pauses its writes (answered `unavailable`), asks
// every peer's sync socket for its own origin after its head, and takes back each
// next event only when more than half of all its peers hold it byte for
// byte (placeholders by what they stand for: each peer builds its own). Both the
// trigger and the vote count all configured peers, not those that answered, so one
// peer alone never pauses a registry nor writes its history. Taken
// events are staged as its own through the registry (restore.cpp) and committed;
// then it asks again from the new head, until a round brings nothing more. Then
// writes resume, numbered on from there. With no peer answering it keeps serving:
// the writer epoch makes any number used twice visible at the peers.
#include <zmq.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/loop.hpp"
#include "common/transport/transport.hpp"
#include "schemas/platform.capnp.h"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

class RestoreRecovery {
 public:
  struct Options {
    std::size_t page_events = 1000;
    transport::Millis answer_timeout{2000};
    EnvelopeLimits limits;
  };

  RestoreRecovery(Registry& registry, replication::EventLog& log, service::CommitPipeline& commits,
                  Options options);

  // A peer registry: its sync socket is asked, its stream's heartbeats are watched.
  void add_peer(const std::string& country, transport::Transport& transport,
                const config::Endpoints& endpoints, const std::string& key,
                const replication::Subscriber& stream);
  void attach(service::Loop& loop);  // registers the sockets and the timer
  void start();                      // the probe at start (after attach)

  // The health reply's restore part; false while recovering (unhealthy).
  bool fill(wire::HealthReply::Builder& health) const;
  bool recovering() const { return state_ == State::recovering; }
  uint64_t recovered_events() const { return recovered_events_; }

 private:
  enum class State { idle, recovering, recovered };
  struct Peer {
    std::string country;
    zmq::socket_t sync;
    const replication::Subscriber* stream = nullptr;
    bool asked = false;
    bool answered = false;
    std::vector<std::string> events;  // its page of the round, as sent
  };

  void tick();
  void on_readable(Peer& peer);
  void ask();     // a round from this registry's staged head
  void decide();  // the round's votes
  void round_landed(bool stored);
  void finish();
  uint64_t peers_head() const;
  uint64_t majority_head() const;  // the highest head more than half of all peers hold

  Registry& registry_;
  replication::EventLog& log_;
  service::CommitPipeline& commits_;
  Options options_;
  std::vector<std::unique_ptr<Peer>> peers_;
  State state_ = State::idle;
  bool round_open_ = false;     // asked, waiting for answers
  bool round_landing_ = false;  // taken events are being committed
  uint64_t round_after_ = 0;
  transport::Clock::time_point round_deadline_{};
  uint64_t head_before_ = 0;
  uint64_t peers_head_seen_ = 0;       // the highest peer head when it last finished
  uint64_t pages_head_ = 0;            // the highest head of its origin a page stated
  uint64_t peers_head_at_finish_ = 0;  // reported once recovered
  uint64_t recovered_events_ = 0;
  uint64_t outvoted_ = 0;  // events a peer sent that the others did not agree with
};

}  // namespace gosmart::registry
