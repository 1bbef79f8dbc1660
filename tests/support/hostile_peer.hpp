#pragma once
// A peer registry played by the test: it holds the peer's node key and serves its
// events and sync endpoints like a real registry, but writes whatever the test
// asks for (events a registry must refuse, events it never publishes) into its own
// event log, and answers catch-up from that log.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
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
