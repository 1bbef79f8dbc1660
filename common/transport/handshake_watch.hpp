#pragma once
// Logs the CURVE handshakes that fail on server sockets — a plaintext client, a
// client with the wrong server key, a protocol error — through libzmq's socket
// monitor. Refusals by the allowlist are logged by the ZAP handler. Every failure is
// counted; the log gets at most one line per socket per 10 s.
#include <zmq.hpp>

#include "common/logging/rate_limited_log.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gosmart::transport {

class HandshakeWatch {
 public:
  explicit HandshakeWatch(zmq::context_t& context) : context_(context) {}

  // Starts watching `socket` (named in the log as `name`); returns the monitor's
  // socket, which the service loop polls and hands to on_readable().
  zmq::socket_t& watch(zmq::socket_t& socket, const std::string& name);
  void on_readable(zmq::socket_t& monitor);
  uint64_t failures() const { return failures_; }

 private:
  struct Watched {
    std::string name;
    zmq::socket_t monitor;
  };
  zmq::context_t& context_;
  std::vector<std::unique_ptr<Watched>> watched_;
  uint64_t failures_ = 0;
  // One client retrying in plaintext fails a handshake every few hundred ms: one line
  // per socket per 10 s, with the count of those held back.
  logging::RateLimitedLog log_;
};

}  // namespace gosmart::transport
