#include "common/service/api_client.hpp"

#include <atomic>
#include <cstring>

#include "schemas/platform.capnp.h"

namespace gosmart::service {

namespace {

std::string next_monitor_endpoint() {
  static std::atomic<uint64_t> counter{0};
  return "inproc://api-client-monitor-" + std::to_string(++counter);
}

}  // namespace

ApiClient::ApiClient(transport::Transport& transport, const std::string& endpoint,
                     const std::string& server_key)
    : monitor_(transport.context(), zmq::socket_type::pair),
      socket_(transport.connect(zmq::socket_type::dealer, endpoint, server_key,
                                [this](zmq::socket_t& socket) {
                                  // Watch the handshake before it can happen.
                                  auto where = next_monitor_endpoint();
                                  if (zmq_socket_monitor(socket.handle(), where.c_str(),
                                                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) == 0) {
                                    monitor_.connect(where);
                                  }
                                })) {
  socket_.set(zmq::sockopt::linger, 0);
  monitor_.set(zmq::sockopt::linger, 0);
}

void ApiClient::read_monitor() {
  zmq::message_t event;
  while (monitor_.handle() && monitor_.recv(event, zmq::recv_flags::dontwait)) {
    if (event.size() >= 2) {
      uint16_t id;
      std::memcpy(&id, event.data(), sizeof id);
      if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) refused_ = true;
    }
    zmq::message_t address;  // the second frame of a monitor event
    while (event.more() && monitor_.recv(address, zmq::recv_flags::dontwait)) {
      if (!address.more()) break;
    }
  }
}

std::vector<std::string> ApiClient::pipeline(const std::vector<std::string>& requests,
                                             std::size_t window, std::chrono::milliseconds timeout,
                                             const std::function<void(std::size_t)>& progress) {
  std::vector<std::string> replies;
  std::size_t sent = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (replies.size() < requests.size() && std::chrono::steady_clock::now() < deadline) {
    while (sent < requests.size() && sent - replies.size() < window) {
      socket_.send(zmq::buffer(requests[sent++]), zmq::send_flags::none);
    }
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(100));
    read_monitor();
    if (refused_) break;
    zmq::message_t frame;
    while (socket_.recv(frame, zmq::recv_flags::dontwait)) {
      replies.push_back(frame.to_string());
      if (progress) progress(replies.size());
    }
  }
  return replies;
}

std::string health_request(std::string_view country, wire::Service sender) {
  EnvelopeBuilder builder(country, sender, wire_type(wire::PLATFORM_HEALTH_REQUEST));
  builder.init_payload<wire::HealthRequest>();
  return builder.encode();
}

HealthAnswer ApiClient::health(std::string_view country, wire::Service sender,
                               std::chrono::milliseconds timeout) {
  HealthAnswer answer;
  auto replies = pipeline({health_request(country, sender)}, 1, timeout);
  if (refused_) {
    answer.failure = "not authorised";
  } else if (replies.empty()) {
    answer.failure = "unreachable";
  } else {
    const auto& bytes = replies.front();
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    if (decoded && decoded.value().header().type == wire_type(wire::PLATFORM_HEALTH_REPLY)) {
      answer.reply = std::move(decoded).value();
    } else {
      answer.failure = "unreadable health reply";
    }
  }
  return answer;
}

}  // namespace gosmart::service
