#pragma once
// The Prometheus endpoint of a service (`metrics_port` in its config section, off
// by default): GET /metrics answers the figures of the service's health reply in
// the Prometheus text format. cpp-httplib serves on its own threads; the figures are
// rendered on the service loop's thread (asked over an inproc pair), so nothing of
// the service is touched from another thread.
#include <zmq.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "schemas/platform.capnp.h"

namespace httplib {
class Server;
}

namespace gosmart::service {

// Prometheus text exposition of a health reply: gosmart_up, gosmart_healthy,
// gosmart_uptime_seconds, gosmart_last_seq_written, gosmart_applied_seq{origin},
// gosmart_peer_up{peer}, gosmart_peer_lag_events{peer}, gosmart_peer_last_seen_seconds{peer},
// and every service metric as gosmart_<name, dots as underscores>; each labelled with
// service and country.
std::string prometheus_text(wire::HealthReply::Reader health);

class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;  // called on the loop thread

  // Listens on address:port; throws std::runtime_error when it cannot.
  MetricsEndpoint(zmq::context_t& context, const std::string& address, uint16_t port,
                  Render render);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The loop side of the inproc pair: register with Loop::on_readable.
  zmq::socket_t& loop_socket() { return loop_side_; }
  void on_readable();

 private:
  std::string scrape();  // HTTP threads

  Render render_;
  zmq::socket_t loop_side_;
  zmq::socket_t http_side_;
  std::mutex http_mutex_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace gosmart::service
