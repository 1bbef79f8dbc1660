#pragma once
// A client of a service's api socket: one DEALER over CURVE, requests answered in order.
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/transport/transport.hpp"

namespace gosmart::service {

class ApiClient {
 public:
  ApiClient(transport::Transport& transport, const std::string& endpoint,
            const std::string& server_key);

  // Sends every request with at most `window` unanswered and returns the replies as
  // they came (a ROUTER answers one connection in order); fewer on timeout.
  // `progress` is called after each reply with the count so far.
  std::vector<std::string> pipeline(const std::vector<std::string>& requests, std::size_t window,
                                    std::chrono::milliseconds timeout,
                                    const std::function<void(std::size_t)>& progress = {});

  // The server refused this client's key during the CURVE handshake (ZAP): nothing
  // will ever be answered, so pipeline() stops early.
  bool refused() const { return refused_; }

 private:
  void read_monitor();

  zmq::socket_t monitor_;
  zmq::socket_t socket_;
  bool refused_ = false;
};

}  // namespace gosmart::service
