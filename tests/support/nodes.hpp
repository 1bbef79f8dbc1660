#pragma once
// Test nodes on loopback: keys, free ports and a node.toml per node, and a client
// that talks to a service's api socket as any CURVE client would.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/core/curve.hpp"
#include "common/envelope/envelope.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::testing {

struct KeyFiles {
  curve::CurveKeyPair keys;
  std::filesystem::path secret_file;
};

// A fresh keypair; the secret written to DIR/NAME.secret with mode 0600.
KeyFiles write_keypair(const std::filesystem::path& dir, const std::string& name);

struct TestClient {
  std::string name;
  config::Role role;
  curve::CurveKeyPair keys;
};

struct TestNode {
  std::string country;
  std::filesystem::path dir;
  KeyFiles keys;
  config::Endpoints registry;  // fresh free ports
  config::Endpoints matching;
  std::filesystem::path config_file;
  // The notifier, written into node.toml only when with_notifier: its own key (role
  // notifier) and the port of its link endpoint.
  bool with_notifier = false;
  config::Endpoints notifier;
  KeyFiles notifier_keys;
  uint16_t notifier_link_port = 0;
  // The audit, written into the config only when with_audit (the node's key).
  bool with_audit = false;
  config::Endpoints audit;
};

TestNode make_node(const std::filesystem::path& root, const std::string& country);
// Through config::write_node_file; `extra_toml` is appended as is (a [limits] or a
// service's own table, or a deliberately bad key). With `peer_audits`, each peer's
// audit api is listed too (its audit witnesses this node's, and this one its).
void write_config(const TestNode& node, const std::vector<const TestNode*>& peers,
                  const std::vector<TestClient>& clients, const std::string& extra_toml = {},
                  bool peer_audits = false);
TestClient make_client(const std::string& name, config::Role role);

struct PeerSnapshot {
  bool regressed = false;
  uint64_t epoch_conflicts = 0;
  bool alive = false;
};

struct RestoreSnapshot {
  std::string state;  // "", "recovering", "recovered"
  uint64_t head_before = 0;
  uint64_t peers_head = 0;
  uint64_t recovered_to = 0;
  uint64_t recovered_events = 0;
};

struct HealthSnapshot {
  std::string service;
  bool healthy = false;
  uint64_t last_seq_written = 0;
  std::map<std::string, uint64_t> applied;
  std::map<std::string, double> metrics;
  std::map<std::string, PeerSnapshot> peers;
  RestoreSnapshot restore;
  double metric(const std::string& name) const;
};

class ApiClient {
 public:
  explicit ApiClient(curve::CurveKeyPair keys);
  // Sends these frames on a fresh DEALER; the reply's frames, or none on timeout.
  std::vector<std::string> exchange(const std::string& endpoint, const std::string& server_key,
                                    const std::vector<std::string>& frames,
                                    std::chrono::milliseconds timeout);
  // Sends every request on one DEALER with at most `window` unanswered, and returns
  // the replies in the order they came (a ROUTER answers a connection in order).
  std::vector<std::string> pipeline(const std::string& endpoint, const std::string& server_key,
                                    const std::vector<std::string>& requests, std::size_t window,
                                    std::chrono::milliseconds timeout,
                                    const std::function<void(std::size_t)>& progress = {});
  std::optional<HealthSnapshot> health(const std::string& endpoint, const std::string& server_key,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(2));

 private:
  transport::Transport transport_;
};

}  // namespace gosmart::testing
