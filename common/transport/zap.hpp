#pragma once
// ZAP handler (RFC 27): admits only CURVE keys on the allowlist and names the
// caller in the connection's User-Id ("role:name"). It runs on its own thread so
// handshakes are answered even while the service loop is busy with a batch.
#include <zmq.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/config/config.hpp"
#include "common/logging/rate_limited_log.hpp"

namespace gosmart::transport {

struct Identity {
  std::string name;  // a country code for peers, an operator/portal name otherwise
  config::Role role = config::Role::monitor;

  std::string user_id() const;  // "broker:alice", "peer:FI"
  static std::optional<Identity> from_user_id(std::string_view user_id);
};

class Allowlist {
 public:
  // Every peer of the node (role peer, named by country), every client, the node's
  // own key (role service) and every service's own key (with its role).
  static Allowlist from_config(const config::NodeConfig& node);
  void allow(const std::string& z85_public_key, Identity identity);  // throws on a bad key
  std::optional<Identity> find(const uint8_t* key32) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::array<uint8_t, 32>, Identity> keys_;
};

class ZapAuthenticator {
 public:
  // Binds inproc://zeromq.zap.01 in `context` before returning, so that it is in
  // place before any server socket binds.
  ZapAuthenticator(zmq::context_t& context, Allowlist allowlist);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  void replace_allowlist(Allowlist allowlist);
  // Stops answering (the destructor does too): running() is false from then on, and
  // Transport::bind refuses to make a server socket. Tests use it to see the refusal.
  void stop();
  bool running() const { return running_.load(); }
  uint64_t refused() const { return refused_.load(); }
  uint64_t admitted() const { return admitted_.load(); }

 private:
  void serve(zmq::socket_t socket);

  mutable std::mutex mutex_;
  Allowlist allowlist_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> admitted_{0};
  logging::RateLimitedLog refusals_log_;  // before thread_: the thread uses it
  std::thread thread_;
};

}  // namespace gosmart::transport
