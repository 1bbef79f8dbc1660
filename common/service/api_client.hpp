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

 private:
  zmq::socket_t socket_;
};

}  // namespace gosmart::service
