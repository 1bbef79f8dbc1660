#include "services/registry/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include "services/registry/registry.hpp"

namespace gosmart::registry {

OutboxSender::OutboxSender(store::Store& store, transport::Transport& transport,
                           const config::NodeConfig& node, Done done,
                           std::chrono::milliseconds resend_after)
    : store_(store), done_(std::move(done)), resend_after_(resend_after) {
  for (const auto& peer : node.peers) {
    const config::Endpoints* registry = peer.service("registry");
    if (!registry || registry->api.empty()) continue;
    auto link = std::make_unique<Link>(Link{
        peer.country, transport.connect(zmq::socket_type::dealer, registry->api, peer.public_key),
        std::nullopt});
    links_.emplace(peer.country, std::move(link));
  }
}

std::vector<std::pair<std::string, zmq::socket_t*>> OutboxSender::sockets() {
  std::vector<std::pair<std::string, zmq::socket_t*>> out;
  for (auto& [country, link] : links_) out.emplace_back(country, &link->socket);
  return out;
}

void OutboxSender::send_next(Link& link) {
  auto it = store_.iterate(store_.cf(kOutbox));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto value = it->value().ToStringView();
    if (value.substr(0, 2) != link.country) continue;
    auto request = value.substr(2);
    auto decoded =
        decode_envelope({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
    if (!decoded) {
      spdlog::error("outbox: unreadable entry for {} dropped", link.country);
      rocksdb::WriteBatch drop;
      drop.Delete(store_.cf(kOutbox), it->key());
      (void)store_.commit(drop);
      continue;
    }
    if (!link.socket.send(zmq::buffer(request.data(), request.size()), zmq::send_flags::dontwait)) {
      return;  // not connected yet; the next tick tries again
    }
    link.in_flight = InFlight{it->key().ToString(), decoded.value().header().message_id,
                              std::chrono::steady_clock::now() + resend_after_};
    ++sent_;
    return;
  }
}

void OutboxSender::tick() {
  auto now = std::chrono::steady_clock::now();
  for (auto& [country, link] : links_) {
    if (link->in_flight && now >= link->in_flight->deadline) link->in_flight.reset();
    if (!link->in_flight) send_next(*link);
  }
}

void OutboxSender::finish(Link& link, const std::string& refusal) {
  auto stored = store_.get(store_.cf(kOutbox), link.in_flight->key);
  rocksdb::WriteBatch batch;
  batch.Delete(store_.cf(kOutbox), link.in_flight->key);
  auto committed = store_.commit(batch);
  if (!committed) {
    spdlog::error("outbox: cannot delete a delivered entry: {}", describe(committed.error()));
    return;  // it will be sent again, and acknowledged again
  }
  if (stored && stored.value()) {
    std::string_view request = std::string_view(*stored.value()).substr(2);
    auto sent = decode_envelope({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
    if (sent) done_(sent.value().header().type, sent.value(), refusal);
  }
  link.in_flight.reset();
  send_next(link);
}

void OutboxSender::on_readable(const std::string& country) {
  auto& link = *links_.at(country);
  for (;;) {
    auto frames = transport::recv_message(link.socket);
    if (frames.empty()) return;
    if (frames.size() != 1 || !link.in_flight) continue;
    auto reply = decode_envelope({frames[0].data<uint8_t>(), frames[0].size()});
    if (!reply || reply.value().header().correlation_id != link.in_flight->id) continue;
    if (reply.value().header().type == "error") {
      auto error = reply.value().payload<wire::Error>();
      auto code = error.getCode();
      if (code == ErrorCode::UNAVAILABLE || code == ErrorCode::INTERNAL) {
        link.in_flight->deadline = std::chrono::steady_clock::now() + resend_after_;
        continue;  // try again later
      }
      std::string refusal = error.getMessage();
      if (refusal.empty()) refusal = "refused";
      spdlog::error("outbox: {} refused a request for good: {}", country, refusal);
      ++acknowledged_;
      finish(link, refusal);
      continue;
    }
    ++acknowledged_;
    finish(link, "");
  }
}

}  // namespace gosmart::registry
