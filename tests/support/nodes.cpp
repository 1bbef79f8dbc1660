#include "tests/support/nodes.hpp"

#include <sys/stat.h>

#include <fstream>

#include "common/config/node_file.hpp"
#include "common/service/api_client.hpp"
#include "schemas/platform.capnp.h"
#include "tests/support/process.hpp"

namespace gosmart::testing {

KeyFiles write_keypair(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::create_directories(dir);
  KeyFiles files{curve::generate_keypair(), dir / (name + ".secret")};
  {
    std::ofstream out(files.secret_file);
    out << files.keys.secret_key << "\n";
  }
  ::chmod(files.secret_file.c_str(), 0600);
  return files;
}

TestClient make_client(const std::string& name, config::Role role) {
  return {name, role, curve::generate_keypair()};
}

TestNode make_node(const std::filesystem::path& root, const std::string& country) {
  TestNode node;
  node.country = country;
  node.dir = root / country;
  node.keys = write_keypair(node.dir, "node");
  node.registry.api = tcp_endpoint(free_port());
  node.registry.events = tcp_endpoint(free_port());
  node.registry.sync = tcp_endpoint(free_port());
  node.matching.api = tcp_endpoint(free_port());
  node.matching.events = tcp_endpoint(free_port());
  node.matching.sync = tcp_endpoint(free_port());
  node.notifier.api = tcp_endpoint(free_port());
  node.notifier.events = tcp_endpoint(free_port());
  node.notifier.sync = tcp_endpoint(free_port());
  node.notifier_keys = write_keypair(node.dir, "notifier");
  node.notifier_link_port = free_port();
  node.audit.api = tcp_endpoint(free_port());
  node.audit.events = tcp_endpoint(free_port());
  node.audit.sync = tcp_endpoint(free_port());
  node.config_file = node.dir / "node.toml";
  return node;
}

void write_config(const TestNode& node, const std::vector<const TestNode*>& peers,
                  const std::vector<TestClient>& clients, const std::string& extra_toml,
                  bool peer_audits) {
  config::NodeFile file;
  file.country = node.country;
  file.log_level = "info";
  file.public_key = node.keys.keys.public_key;
  file.secret_file = node.keys.secret_file.filename().string();
  file.services = {{"registry", node.registry}, {"matching", node.matching}};
  if (node.with_notifier) {
    config::ServiceEntry notifier{"notifier", node.notifier};
    notifier.public_key = node.notifier_keys.keys.public_key;
    notifier.secret_file = node.notifier_keys.secret_file.filename().string();
    notifier.role = config::Role::notifier;
    file.services.push_back(notifier);
  }
  if (node.with_audit) file.services.push_back({"audit", node.audit});
  for (const auto* peer : peers) {
    file.peers.push_back(
        {peer->country, peer->keys.keys.public_key, {{"registry", peer->registry}}});
    if (peer_audits) file.peers.back().services["audit"] = {peer->audit.api, "", ""};
  }
  for (const auto& client : clients) {
    file.clients.push_back({client.name, client.role, client.keys.public_key});
  }
  file.service_settings = extra_toml;
  config::write_node_file(node.config_file, file);
}

double HealthSnapshot::metric(const std::string& name) const {
  auto it = metrics.find(name);
  return it == metrics.end() ? -1 : it->second;
}

ApiClient::ApiClient(curve::CurveKeyPair keys) : transport_(std::move(keys), {}) {}

std::vector<std::string> ApiClient::exchange(const std::string& endpoint,
                                             const std::string& server_key,
                                             const std::vector<std::string>& frames,
                                             std::chrono::milliseconds timeout) {
  auto socket = transport_.connect(zmq::socket_type::dealer, endpoint, server_key);
  socket.set(zmq::sockopt::linger, 0);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    socket.send(zmq::buffer(frames[i]), flags);
  }
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, timeout);
  std::vector<std::string> reply;
  if (!(item.revents & ZMQ_POLLIN)) return reply;
  zmq::message_t frame;
  do {
    (void)socket.recv(frame);
    reply.push_back(frame.to_string());
  } while (frame.more());
  return reply;
}

std::vector<std::string> ApiClient::pipeline(const std::string& endpoint,
                                             const std::string& server_key,
                                             const std::vector<std::string>& requests,
                                             std::size_t window, std::chrono::milliseconds timeout,
                                             const std::function<void(std::size_t)>& progress) {
  service::ApiClient client(transport_, endpoint, server_key);
  return client.pipeline(requests, window, timeout, progress);
}

std::optional<HealthSnapshot> ApiClient::health(const std::string& endpoint,
                                                const std::string& server_key,
                                                std::chrono::milliseconds timeout) {
  service::ApiClient client(transport_, endpoint, server_key);
  auto answer = client.health("PL", wire::Service::CTL, timeout);
  if (!answer.reply) return std::nullopt;
  auto health = answer.reply->payload<wire::HealthReply>();
  HealthSnapshot snapshot;
  snapshot.service = health.getService();
  snapshot.healthy = health.getHealthy();
  snapshot.last_seq_written = health.getLastSeqWritten();
  for (auto peer : health.getPeers()) {
    snapshot.peers[peer.getName()] = {peer.getRegressed(), peer.getEpochConflicts(),
                                      peer.getState() == wire::PeerStatus::State::ALIVE};
  }
  if (health.hasRestore()) {
    auto r = health.getRestore();
    if (r.getState() == wire::RestoreStatus::State::RECOVERING)
      snapshot.restore.state = "recovering";
    if (r.getState() == wire::RestoreStatus::State::RECOVERED) snapshot.restore.state = "recovered";
    snapshot.restore.head_before = r.getHeadBefore();
    snapshot.restore.peers_head = r.getPeersHead();
    snapshot.restore.recovered_to = r.getRecoveredTo();
    snapshot.restore.recovered_events = r.getRecoveredEvents();
  }
  for (auto cursor : health.getApplied())
    snapshot.applied[cursor.getOrigin()] = cursor.getLastSeq();
  for (auto metric : health.getMetrics()) snapshot.metrics[metric.getName()] = metric.getValue();
  return snapshot;
}

}  // namespace gosmart::testing
