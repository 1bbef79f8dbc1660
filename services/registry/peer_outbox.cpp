#include "services/registry/peer_outbox.hpp"

#include <spdlog/spdlog.h>

#include "common/outbox/api_courier.hpp"

namespace gosmart::registry {

// An expression of interest is settled by its own ack: one naming another EoI
// (a peer's bug, or a forgery) says nothing about this one.
std::optional<std::string> eoi_ack_mismatch(const DecodedEnvelope& request,
                                            const DecodedEnvelope& reply) {
  const auto& type = request.header().type;
  if (type != wire_type(wire::REGISTRY_EOI_DELIVER) &&
      type != wire_type(wire::REGISTRY_EOI_UPDATE)) {
    return std::nullopt;
  }
  auto checked = guarded([&]() -> Result<std::optional<std::string>> {
    std::string sent = request.payload<wire::EoiPeerMessage>().getEoi().getId().cStr();
    if (reply.header().type != wire_type(wire::REGISTRY_EOI_ACK)) {
      return std::optional<std::string>("the peer answered " + sent + " with a " +
                                        reply.header().type + ", not an ack");
    }
    std::string acked = reply.payload<wire::EoiAck>().getEoiId().cStr();
    if (acked == sent) return std::optional<std::string>();
    spdlog::warn("registry: the ack for {} names {}", sent, acked.substr(0, 64));
    return std::optional<std::string>("the peer acknowledged another expression of interest (" +
                                      acked.substr(0, 64) + ")");
  });
  if (!checked) return "the peer's ack is unreadable: " + checked.error().message;
  return checked.value();
}

PeerOutbox::PeerOutbox(Registry& registry, service::CommitPipeline& commits,
                       transport::Transport& transport, const config::NodeConfig& node)
    : registry_(registry), commits_(commits), sender_(registry.outbox(), *this) {
  for (const auto& peer : node.peers) {
    const config::Endpoints* registry_endpoints = peer.service("registry");
    if (!registry_endpoints || registry_endpoints->api.empty()) continue;
    sender_.add(peer.country,
                std::make_unique<outbox::ApiCourier>(transport, registry_endpoints->api,
                                                     peer.public_key, eoi_ack_mismatch));
  }
}

rocksdb::WriteBatchBase& PeerOutbox::staging() {
  return registry_.staged_batch();
}

void PeerOutbox::settle(const outbox::Entry& entry, const outbox::Settlement& settlement) {
  using Outcome = outbox::Settlement::Outcome;
  // Unreadable: no EoI to name (the sender logged it); cancelled: not a courier of ours.
  if (settlement.outcome == Outcome::unreadable || settlement.outcome == Outcome::cancelled) return;
  const auto* bytes = reinterpret_cast<const uint8_t*>(entry.payload.data());
  auto sent = decode_envelope({bytes, entry.payload.size()});
  if (!sent || sent.value().header().type != wire_type(wire::REGISTRY_EOI_DELIVER)) return;
  std::string id = sent.value().payload<wire::EoiPeerMessage>().getEoi().getId().cStr();
  if (settlement.outcome == Outcome::delivered) {
    registry_.delivered(id);
  } else {
    registry_.undeliverable(id, settlement.reason);
  }
}

void PeerOutbox::commit(std::function<void(bool stored)> done) {
  commits_.after_durable(std::move(done));
  commits_.flush();
}

}  // namespace gosmart::registry
