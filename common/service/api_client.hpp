#pragma once
// A client of a service's api socket: one DEALER over CURVE, requests answered in order.
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::service {

// An encoded platform.health.request (its payload is empty) from `country`'s `sender`.
std::string health_request(std::string_view country, wire::Service sender);

// A service's answer to a health request, or why there is none.
struct HealthAnswer {
  std::optional<DecodedEnvelope> reply;  // a platform.health.reply
  std::string failure;  // "not authorised", "unreachable" or "unreadable health reply"
};

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

  // For bulk writes: sends every request with at most `window` unanswered and
  // matches each reply to its request by correlation id, so a lost request cannot
  // shift the others' answers. When nothing arrives for `idle` while requests are
  // outstanding (a connection the server dropped, a restart), those are sent again
  // byte for byte, up to `attempts` sends each: the same message id makes a retry
  // free (a service answers it with the reply it kept). One entry per request, empty
  // where no answer came; stops early when the key is refused.
  std::vector<std::optional<std::string>> exchange(
      const std::vector<std::string>& requests, std::size_t window, std::chrono::milliseconds idle,
      int attempts, const std::function<void(std::size_t)>& progress = {});

  // Asks the service for its health once (every role may): the one health client of
  // gosmartctl, the federation tool, the probe and the tests.
  HealthAnswer health(std::string_view country, wire::Service sender,
                      std::chrono::milliseconds timeout);

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
