#include "common/transport/zap.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/core/break_point.hpp"
#include "common/core/curve.hpp"

namespace gosmart::transport {

std::string Identity::user_id() const {
  return std::string(config::role_name(role)) + ":" + name;
}

std::optional<Identity> Identity::from_user_id(std::string_view user_id) {
  auto colon = user_id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto role = config::parse_role(user_id.substr(0, colon));
  if (!role || colon + 1 == user_id.size()) return std::nullopt;
  return Identity{std::string(user_id.substr(colon + 1)), *role};
}

Allowlist Allowlist::from_config(const config::NodeConfig& node) {
  Allowlist list;
  for (const auto& peer : node.peers)
    list.allow(peer.public_key, {peer.country, config::Role::peer});
  for (const auto& client : node.clients) list.allow(client.public_key, {client.name, client.role});
  // The node's other services (matching reading the registry's stream, say).
  if (!node.public_key.empty()) list.allow(node.public_key, {"node", config::Role::service});
  // A service with a key of its own is known by its name, with the role it was given.
  for (const auto& [name, service] : node.services) {
    if (service.keys) list.allow(service.keys->public_key, {name, service.role});
  }
  return list;
}

void Allowlist::allow(const std::string& z85_public_key, Identity identity) {
  auto key = curve::decode_key(z85_public_key);
  if (!key) throw std::invalid_argument("allowlist: not a Z85 public key: " + z85_public_key);
  keys_[*key] = std::move(identity);
}

std::optional<Identity> Allowlist::find(const uint8_t* key32) const {
  std::array<uint8_t, 32> key;
  std::memcpy(key.data(), key32, key.size());
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, Allowlist allowlist)
    : allowlist_(std::move(allowlist)) {
  zmq::socket_t socket(context, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("inproc://zeromq.zap.01");  // throws if another handler holds it
  running_ = true;
  thread_ = std::thread([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
}

ZapAuthenticator::~ZapAuthenticator() {
  stop();
}

void ZapAuthenticator::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapAuthenticator::replace_allowlist(Allowlist allowlist) {
  std::lock_guard lock(mutex_);
  allowlist_ = std::move(allowlist);
}

void ZapAuthenticator::serve(zmq::socket_t socket) {
  while (!stop_) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      continue;
    }
    if (!(item.revents & ZMQ_POLLIN)) continue;

    std::vector<zmq::message_t> frames;
    do {
      zmq::message_t frame;
      if (!socket.recv(frame)) break;
      frames.push_back(std::move(frame));
    } while (socket.get(zmq::sockopt::rcvmore));
    // version, request id, domain, address, routing id, mechanism, credentials...
    if (frames.size() < 6) continue;  // libzmq never sends this; nothing to answer
    std::string address = frames[3].to_string();
    std::string mechanism = frames[5].to_string();

    std::optional<Identity> identity;
    if (mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
      std::lock_guard lock(mutex_);
      identity = allowlist_.find(frames[6].data<uint8_t>());
      if (!identity && GOSMART_BREAK_POINT("zap.admit_strangers")) {
        identity = Identity{"stranger", config::Role::broker};
      }
    }
    std::string status = identity ? "200" : "400";
    std::string text = identity ? "OK" : "key not on the allowlist";
    std::string user_id = identity ? identity->user_id() : "";
    if (identity) {
      ++admitted_;
      spdlog::debug("zap: admitted {} from {}", user_id, address);
    } else {
      ++refused_;
      std::string key = mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32
                            ? curve::encode_key(frames[6].data<uint8_t>())
                            : "(none)";
      // A refused client retries every reconnect interval: one line per address per
      // 10 s (refusals_log_ belongs to this thread alone).
      refusals_log_.warn(address, "zap: refused {} client from {} with key {}", mechanism, address,
                         key);
    }
    socket.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
    socket.send(frames[1], zmq::send_flags::sndmore);
    socket.send(zmq::buffer(status), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(text), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
    socket.send(zmq::message_t(), zmq::send_flags::none);
  }
  running_ = false;
}

}  // namespace gosmart::transport
