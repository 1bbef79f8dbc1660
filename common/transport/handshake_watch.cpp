#include "common/transport/handshake_watch.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace gosmart::transport {

zmq::socket_t& HandshakeWatch::watch(zmq::socket_t& socket, const std::string& name) {
  std::string endpoint = "inproc://handshake-watch-" + std::to_string(watched_.size()) + "-" +
                         std::to_string(reinterpret_cast<uintptr_t>(this));
  int events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), events) != 0) {
    throw zmq::error_t();
  }
  auto watched =
      std::make_unique<Watched>(Watched{name, zmq::socket_t(context_, zmq::socket_type::pair)});
  watched->monitor.set(zmq::sockopt::linger, 0);
  watched->monitor.connect(endpoint);
  watched_.push_back(std::move(watched));
  return watched_.back()->monitor;
}

void HandshakeWatch::on_readable(zmq::socket_t& monitor) {
  const Watched* owner = nullptr;
  for (const auto& w : watched_) {
    if (&w->monitor == &monitor) owner = w.get();
  }
  for (;;) {
    zmq::message_t event;
    if (!monitor.recv(event, zmq::recv_flags::dontwait)) return;
    zmq::message_t address;
    if (event.more()) (void)monitor.recv(address);
    if (event.size() < 6) continue;
    uint16_t kind = 0;
    uint32_t value = 0;
    std::memcpy(&kind, event.data(), sizeof kind);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
    ++failures_;
    std::string detail;
    if (kind == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      detail = "refused by ZAP, status " + std::to_string(value);
    } else if (kind == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
      detail = fmt::format("protocol error {:#x}", value);
    } else {
      detail = std::string("connection dropped: ") + std::strerror(static_cast<int>(value));
    }
    // libzmq 4.3's monitor (v1; v2 is draft API, not in Debian's build) names the
    // bound endpoint for an accepted connection, never the client's address, and
    // gives no file descriptor with a handshake failure that could be asked for it.
    std::string socket_name = owner ? owner->name : "?";
    log_.warn(socket_name,
              "handshake failed on {} ({}; the client's address is not known to libzmq's "
              "monitor): {}",
              socket_name, address.to_string(), detail);
  }
}

}  // namespace gosmart::transport
