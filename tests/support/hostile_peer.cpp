#include "tests/support/hostile_peer.hpp"

#include <unistd.h>

#include "common/store/keys.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gosmart::testing {

using namespace std::chrono_literals;

HostilePeer::HostilePeer(const TestNode& node, const std::vector<const TestNode*>& peers) {
  store_ = store::Store::open(node.dir / "hostile-db", replication::event_log_column_families());
  log_ = std::make_unique<replication::EventLog>(*store_, node.country, wire::Service::REGISTRY);
  transport::Allowlist allowlist;
  for (const auto* peer : peers) {
    allowlist.allow(peer->keys.keys.public_key, {peer->country, config::Role::peer});
  }
  transport_ = std::make_unique<transport::Transport>(node.keys.keys, std::move(allowlist));
  pub_ = transport_->bind(zmq::socket_type::pub, node.registry.events);
  sync_ = transport_->bind(zmq::socket_type::router, node.registry.sync);
  publisher_ = std::make_unique<replication::Publisher>(pub_, *log_, wire::Service::REGISTRY, 200);
  catchup_ = std::make_unique<replication::CatchupServer>(sync_, *log_, wire::Service::REGISTRY,
                                                          EnvelopeLimits{}, 100);
  thread_ = std::thread([this] { pump(); });
}

HostilePeer::~HostilePeer() {
  stop_ = true;
  thread_.join();
}

void HostilePeer::commit(rocksdb::WriteBatch& batch, const replication::StagedEvent& staged,
                         bool publish) {
  if (!store_->commit(batch).ok()) throw std::runtime_error("hostile peer: commit failed");
  log_->committed();
  if (publish) publisher_->publish(staged);
}

void HostilePeer::spoil(uint64_t seq, const std::string& bytes) {
  std::lock_guard lock(mutex_);
  rocksdb::WriteBatch batch;
  batch.Put(store_->cf(replication::kLogColumnFamily), store::keys::origin_seq(log_->origin(), seq),
            bytes);
  if (!store_->commit(batch).ok()) throw std::runtime_error("hostile peer: commit failed");
}

void HostilePeer::pump() {
  auto next_beat = std::chrono::steady_clock::now();
  while (!stop_) {
    zmq::pollitem_t items[] = {{sync_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, 20ms);
    std::lock_guard lock(mutex_);
    if (items[0].revents & ZMQ_POLLIN) catchup_->on_readable();
    if (std::chrono::steady_clock::now() >= next_beat) {
      publisher_->heartbeat();
      next_beat = std::chrono::steady_clock::now() + 200ms;
    }
  }
}

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) {
      stime = std::stoul(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace gosmart::testing
