#include "common/service/api_client.hpp"

namespace gosmart::service {

ApiClient::ApiClient(transport::Transport& transport, const std::string& endpoint,
                     const std::string& server_key)
    : socket_(transport.connect(zmq::socket_type::dealer, endpoint, server_key)) {
  socket_.set(zmq::sockopt::linger, 0);
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
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    zmq::message_t frame;
    while (socket_.recv(frame, zmq::recv_flags::dontwait)) {
      replies.push_back(frame.to_string());
      if (progress) progress(replies.size());
    }
  }
  return replies;
}

}  // namespace gosmart::service
