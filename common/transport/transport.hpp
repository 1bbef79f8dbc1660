#pragma once
// The only place sockets are made. Every non-inproc endpoint is CURVE: servers
// authenticate callers through the ZAP handler (which must be running, or no
// server socket is made: fail closed), clients pin the server's public key.
#include <zmq.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/core/curve.hpp"
#include "common/transport/zap.hpp"

namespace gosmart::transport {

struct SocketLimits {
  std::size_t max_message_bytes = 1 << 20;
  int high_water_mark = 10000;
  int handshake_ms = 5000;
  int linger_ms = 200;
  int reconnect_ms = 100;
  int reconnect_max_ms = 5000;  // back-off doubles up to this
  int heartbeat_ms = 1000;      // ZMTP PING; a dead TCP peer is dropped after 3 of them
};

SocketLimits limits_from_config(const config::Limits& limits);

class Transport {
 public:
  Transport(curve::CurveKeyPair keys, Allowlist allowlist, SocketLimits limits = {});
  ~Transport();

  // A socket that binds `endpoint` as a CURVE server. Throws zmq::error_t on a
  // bind failure and std::logic_error when the ZAP handler is not running.
  zmq::socket_t bind(zmq::socket_type type, const std::string& endpoint);
  // A socket that connects to a CURVE server whose public key is `server_key`.
  // `before_connect` sees the configured socket first (a socket monitor that must
  // not miss the handshake, say).
  zmq::socket_t connect(zmq::socket_type type, const std::string& endpoint,
                        const std::string& server_key,
                        const std::function<void(zmq::socket_t&)>& before_connect = {});

  zmq::context_t& context() { return context_; }
  ZapAuthenticator& zap() { return *zap_; }
  const curve::CurveKeyPair& keys() const { return keys_; }
  const SocketLimits& limits() const { return limits_; }

 private:
  void apply_common(zmq::socket_t& socket, zmq::socket_type type) const;

  curve::CurveKeyPair keys_;
  SocketLimits limits_;
  zmq::context_t context_;
  std::unique_ptr<ZapAuthenticator> zap_;
};

bool is_inproc(const std::string& endpoint);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick), for tests
// and local federations that must not collide with anything already running.
int free_loopback_port();

// One whole multipart message if one is waiting (never blocks); empty otherwise.
std::vector<zmq::message_t> recv_message(zmq::socket_t& socket);

// The User-Id the ZAP handler gave the connection a frame came from; none for an
// inproc connection, which ZAP never sees.
std::optional<Identity> sender_of(zmq::message_t& frame);

}  // namespace gosmart::transport
