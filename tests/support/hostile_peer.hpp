#pragma once
// A peer registry played by the test: it holds the peer's node key and serves its
// events and sync endpoints like a real registry, but writes whatever the test
// asks for (events a registry must refuse, events it never publishes) into its own
// event log, and answers catch-up from that log.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/store/store.hpp"
#include "common/transport/transport.hpp"
#include "tests/support/nodes.hpp"

namespace gosmart::testing {

class HostilePeer {
 public:
  // Binds `node`'s registry events and sync endpoints with its key; admits `peers`.
  HostilePeer(const TestNode& node, const std::vector<const TestNode*>& peers);
  ~HostilePeer();

  // Commits one event of the peer's origin; publishes it unless `publish` is false
  // (a message lost on the way: only catch-up can bring it). Returns its seq.
  template <class Payload, class Fill>
  uint64_t write(const std::string& type, Fill&& fill, bool publish = true) {
    std::lock_guard lock(mutex_);
    rocksdb::WriteBatch batch;
    auto staged = log_->append<Payload>(batch, type, std::forward<Fill>(fill));
    commit(batch, staged, publish);
    return staged.seq;
  }

  // Writes its last `seq` again under writer epoch `epoch` with other content, over
  // its own copy: a peer restored from a backup that numbers again. Publishes it.
  template <class Payload, class Fill>
  void rewrite(uint64_t seq, uint32_t epoch, const std::string& type, Fill&& fill) {
    std::lock_guard lock(mutex_);
    EnvelopeBuilder builder(log_->origin(), wire::Service::REGISTRY, type, seq);
    builder.root().setWriterEpoch(epoch);
    fill(builder.init_payload<Payload>());
    std::string bytes = builder.encode();
    auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    if (!event) throw std::runtime_error("hostile peer: rewritten event unreadable");
    rocksdb::WriteBatch batch;
    auto staged = log_->relay(batch, event.value());
    commit(batch, staged, true);
  }
  uint32_t epoch() const { return log_->epoch(); }

  // Plants an event of another origin in its log, as if relayed (a forgery it will
  // serve on catch-up); not published.
  template <class Payload, class Fill>
  void plant(const std::string& origin, uint64_t seq, const std::string& type, Fill&& fill) {
    std::lock_guard lock(mutex_);
    EnvelopeBuilder builder(origin, wire::Service::REGISTRY, type, seq);
    fill(builder.init_payload<Payload>());
    std::string bytes = builder.encode();
    auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    if (!event) throw std::runtime_error("hostile peer: planted event unreadable");
    rocksdb::WriteBatch batch;
    auto staged = log_->relay(batch, event.value());
    commit(batch, staged, false);
  }

  // Replaces the bytes its log holds at its own `seq` (committed) with `bytes`:
  // catch-up then serves what no reader can decode.
  void spoil(uint64_t seq, const std::string& bytes);

 private:
  void commit(rocksdb::WriteBatch& batch, const replication::StagedEvent& staged, bool publish);
  void pump();

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<replication::EventLog> log_;
  std::unique_ptr<transport::Transport> transport_;
  zmq::socket_t pub_;
  zmq::socket_t sync_;
  std::unique_ptr<replication::Publisher> publisher_;
  std::unique_ptr<replication::CatchupServer> catchup_;
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// CPU seconds (user + system) a process has used so far, from /proc.
double cpu_seconds(pid_t pid);

}  // namespace gosmart::testing
