#pragma once
// Store-and-forward to peer registries (Titanic): requests wait in the outbox
// column family, committed with the change that caused them; one at a time per peer
// is sent to that peer's api and resent until it is acknowledged, then deleted.
// The receiver treats a repeat as a repeat, so at-least-once delivery is enough.
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/store/store.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::registry {

class OutboxSender {
 public:
  // Called in the loop thread when a peer acknowledged (`ok`) or refused for good.
  // `refusal` is empty when the peer took the request, else its reason for refusing
  // it for good.
  using Done = std::function<void(const std::string& type, const DecodedEnvelope& sent,
                                  const std::string& refusal)>;

  OutboxSender(store::Store& store, transport::Transport& transport, const config::NodeConfig& node,
               Done done, std::chrono::milliseconds resend_after = std::chrono::seconds(2));

  void tick();
  void on_readable(const std::string& country);
  std::vector<std::pair<std::string, zmq::socket_t*>> sockets();
  uint64_t sent() const { return sent_; }
  uint64_t acknowledged() const { return acknowledged_; }

 private:
  struct InFlight {
    std::string key;
    MessageId id{};
    std::chrono::steady_clock::time_point deadline;
  };
  struct Link {
    std::string country;
    zmq::socket_t socket;
    std::optional<InFlight> in_flight;
  };
  void send_next(Link& link);
  void finish(Link& link, const std::string& refusal);

  store::Store& store_;
  Done done_;
  std::chrono::milliseconds resend_after_;
  std::map<std::string, std::unique_ptr<Link>> links_;
  uint64_t sent_ = 0;
  uint64_t acknowledged_ = 0;
};

}  // namespace gosmart::registry
