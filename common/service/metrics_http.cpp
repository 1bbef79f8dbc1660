#include "common/service/metrics_http.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <sstream>

namespace gosmart::service {

namespace {

std::string label_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string metric_name(std::string_view name) {
  std::string out = "gosmart_";
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

}  // namespace

std::string prometheus_text(wire::HealthReply::Reader health) {
  std::ostringstream out;
  std::string base = "service=\"" + label_value(health.getService().cStr()) + "\",country=\"" +
                     label_value(health.getCountry().cStr()) + "\"";
  auto gauge = [&](const std::string& name, const std::string& help, const std::string& labels,
                   double value, bool header = true) {
    if (header) out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
    out << name << "{" << base << labels << "} " << value << "\n";
  };
  gauge("gosmart_up", "1: the service answered", "", 1);
  gauge("gosmart_healthy", "1: the service reports itself healthy", "", health.getHealthy());
  gauge("gosmart_uptime_seconds", "seconds since the service started", "",
        static_cast<double>(health.getUptimeS()));
  gauge("gosmart_last_seq_written", "last sequence number of the service's own log", "",
        static_cast<double>(health.getLastSeqWritten()));
  bool first = true;
  for (auto applied : health.getApplied()) {
    gauge("gosmart_applied_seq", "last sequence applied per origin",
          ",origin=\"" + label_value(applied.getOrigin().cStr()) + "\"",
          static_cast<double>(applied.getLastSeq()), first);
    first = false;
  }
  first = true;
  for (auto peer : health.getPeers()) {
    std::string labels = ",peer=\"" + label_value(peer.getName().cStr()) + "\"";
    gauge("gosmart_peer_up", "1: the peer is alive", labels,
          peer.getState() == wire::PeerStatus::State::ALIVE, first);
    first = false;
  }
  first = true;
  for (auto peer : health.getPeers()) {
    gauge("gosmart_peer_lag_events", "events the peer announced and this service has not applied",
          ",peer=\"" + label_value(peer.getName().cStr()) + "\"",
          static_cast<double>(peer.getLagEvents()), first);
    first = false;
  }
  first = true;
  for (auto peer : health.getPeers()) {
    gauge("gosmart_peer_lag_seconds", "how long announced events have waited to be applied",
          ",peer=\"" + label_value(peer.getName().cStr()) + "\"",
          static_cast<double>(peer.getLagMs()) / 1000.0, first);
    first = false;
  }
  first = true;
  for (auto peer : health.getPeers()) {
    gauge("gosmart_peer_last_seen_seconds", "seconds since the peer was last heard",
          ",peer=\"" + label_value(peer.getName().cStr()) + "\"",
          static_cast<double>(peer.getLastSeenMsAgo()) / 1000.0, first);
    first = false;
  }
  for (auto metric : health.getMetrics()) {
    auto name = metric_name(metric.getName().cStr());
    if (!metric.getCounter()) {
      gauge(name, std::string("service figure ") + metric.getName().cStr(), "", metric.getValue());
      continue;
    }
    // A count since the start: Prometheus takes rates of counters, and resets (a
    // restart) are what it expects of them, never of a gauge.
    name += "_total";
    out << "# HELP " << name << " count of " << metric.getName().cStr()
        << " since the service started\n# TYPE " << name << " counter\n";
    out << name << "{" << base << "} " << metric.getValue() << "\n";
  }
  return out.str();
}

MetricsEndpoint::MetricsEndpoint(zmq::context_t& context, const std::string& address, uint16_t port,
                                 Render render)
    : render_(std::move(render)),
      loop_side_(context, zmq::socket_type::pair),
      http_side_(context, zmq::socket_type::pair),
      server_(std::make_unique<httplib::Server>()) {
  static std::atomic<uint64_t> counter{0};
  std::string pipe = "inproc://metrics-" + std::to_string(++counter);
  loop_side_.bind(pipe);
  http_side_.connect(pipe);
  http_side_.set(zmq::sockopt::rcvtimeo, 2000);
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    auto text = scrape();
    if (text.empty()) {
      response.status = 503;
      response.set_content("the service did not answer in time\n", "text/plain");
      return;
    }
    response.set_content(text, "text/plain; version=0.0.4");
  });
  if (!server_->bind_to_port(address.c_str(), port)) {
    throw std::runtime_error("metrics: cannot listen on " + address + ":" + std::to_string(port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  spdlog::info("metrics: Prometheus endpoint on http://{}:{}/metrics", address, port);
}

MetricsEndpoint::~MetricsEndpoint() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string MetricsEndpoint::scrape() {
  std::lock_guard lock(http_mutex_);
  // A late answer to an earlier scrape that timed out must not pair with this one.
  zmq::message_t stale;
  while (http_side_.recv(stale, zmq::recv_flags::dontwait)) {
  }
  http_side_.send(zmq::str_buffer("scrape"), zmq::send_flags::none);
  zmq::message_t reply;
  if (!http_side_.recv(reply)) return {};
  return reply.to_string();
}

void MetricsEndpoint::on_readable() {
  zmq::message_t ask;
  while (loop_side_.recv(ask, zmq::recv_flags::dontwait)) {
    auto text = render_();
    loop_side_.send(zmq::buffer(text), zmq::send_flags::dontwait);
  }
}

}  // namespace gosmart::service
