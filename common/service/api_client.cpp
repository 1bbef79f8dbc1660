#include "common/service/api_client.hpp"

#include <atomic>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

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

std::vector<std::optional<std::string>> ApiClient::exchange(
    const std::vector<std::string>& requests, std::size_t window, std::chrono::milliseconds idle,
    int attempts, const std::function<void(std::size_t)>& progress) {
  using Clock = std::chrono::steady_clock;
  auto id_of = [](const MessageId& id) { return std::string(id.begin(), id.end()); };
  std::map<std::string, std::size_t> index_by_id;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& bytes = requests[i];
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    if (!decoded)
      throw std::invalid_argument("exchange: request " + std::to_string(i) + " is not an envelope");
    index_by_id[id_of(decoded.value().header().message_id)] = i;
  }
  std::vector<std::optional<std::string>> replies(requests.size());
  std::vector<int> sends(requests.size(), 0);
  std::set<std::size_t> outstanding;
  std::size_t next = 0, answered = 0;
  // Never blocks: with no connection and a full queue a request waits for the next
  // round (counted only once it is handed to the socket).
  auto send = [&](std::size_t i) {
    if (!socket_.send(zmq::buffer(requests[i]), zmq::send_flags::dontwait)) return false;
    ++sends[i];
    outstanding.insert(i);
    return true;
  };
  auto last_news = Clock::now();
  while (answered < requests.size()) {
    while (next < requests.size() && outstanding.size() < window && send(next)) ++next;
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(100));
    read_monitor();
    if (refused_) break;
    zmq::message_t frame;
    while (socket_.recv(frame, zmq::recv_flags::dontwait)) {
      auto decoded = decode_envelope({frame.data<uint8_t>(), frame.size()});
      if (!decoded || !decoded.value().header().correlation_id) continue;
      auto found = index_by_id.find(id_of(*decoded.value().header().correlation_id));
      if (found == index_by_id.end() || replies[found->second]) continue;  // late duplicate
      replies[found->second] = frame.to_string();
      outstanding.erase(found->second);
      ++answered;
      last_news = Clock::now();
      if (progress) progress(answered);
    }
    if (Clock::now() - last_news < idle) continue;
    if (outstanding.empty()) break;  // nothing could even be queued
    std::vector<std::size_t> again;
    for (auto i : outstanding) {
      if (sends[i] < attempts) again.push_back(i);
    }
    if (again.empty()) break;  // every unanswered request was tried `attempts` times
    for (auto i : again) {
      if (!send(i)) break;
    }
    last_news = Clock::now();
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
