#include "services/registry/peer_outbox.hpp"

#include "common/outbox/api_courier.hpp"

namespace gosmart::registry {

PeerOutbox::PeerOutbox(Registry& registry, service::CommitPipeline& commits,
                       transport::Transport& transport, const config::NodeConfig& node)
    : registry_(registry), commits_(commits), sender_(registry.outbox(), *this) {
  for (const auto& peer : node.peers) {
    const config::Endpoints* registry_endpoints = peer.service("registry");
    if (!registry_endpoints || registry_endpoints->api.empty()) continue;
    sender_.add(peer.country, std::make_unique<outbox::ApiCourier>(
                                  transport, registry_endpoints->api, peer.public_key));
  }
}

rocksdb::WriteBatchBase& PeerOutbox::staging() {
  return registry_.staged_batch();
}

void PeerOutbox::settle(const outbox::Entry& entry, const outbox::Settlement& settlement) {
  using Outcome = outbox::Settlement::Outcome;
  if (settlement.outcome == Outcome::unreadable) return;  // no EoI to name: the sender logged it
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
