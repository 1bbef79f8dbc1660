// Erasure reaches expressions of interest: an erased organisation's contact, and the
// message it wrote as a sender, leave every EoI it was a party to. The same
// `registry.org.erased` event that removes its replicas runs this on every peer, so
// a peer that received the contact through an accepted EoI erases it too (GDPR
// Art. 17(2)) without a message of its own: the event already reaches every node,
// also one that was down and catches up.
#include <optional>
#include <set>

#include "common/envelope/envelope.hpp"
#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "services/registry/eois.hpp"

namespace gosmart::registry {

using reference::text_of;

namespace {

// The EoI with the erased party's personal data removed, or nothing if the
// organisation is no party to it.
std::optional<std::string> without_party(wire::ExpressionOfInterest::Reader eoi,
                                         const std::string& country, const std::string& org_id,
                                         const std::set<std::string>& profile_ids) {
  bool sender =
      text_of(eoi.getSenderCountry()) == country && text_of(eoi.getSenderOrgId()) == org_id;
  bool owner = text_of(eoi.getOwnerCountry()) == country &&
               (profile_ids.count(text_of(eoi.getProfileId())) > 0 ||
                text_of(eoi.getTargetOrgId()) == org_id);
  if (!sender && !owner) return std::nullopt;
  ScratchMessage message;
  message.setRoot(eoi);
  auto out = message.getRoot<wire::ExpressionOfInterest>();
  if (sender) {
    out.initSenderContact();
    out.setMessage("");  // the sender's own words may name its people
    if (out.hasSender()) out.getSender().setLegalName("");
  }
  if (owner) out.initOwnerContact();
  out.setStatusReason(sender ? "the sending organisation was erased"
                             : "the addressed organisation was erased");
  return store::to_bytes(message);
}

}  // namespace

std::size_t Eois::forget_eoi_party(const std::string& country, const std::string& org_id,
                                   const std::set<std::string>& profile_ids, const Rewrite& put) {
  std::size_t rewritten = 0;
  for (const auto& id : batch_.keys(store_.cf(kEois))) {
    auto bytes = batch_.get(store_.cf(kEois), id);
    if (!bytes || !bytes.value()) continue;
    auto stored = store::StoredValue<wire::ExpressionOfInterest>::parse(*bytes.value());
    if (!stored) continue;
    auto redacted = without_party(stored->get(), country, org_id, profile_ids);
    if (!redacted) continue;
    put(store_.cf(kEois), id, std::move(*redacted));
    ++rewritten;
  }
  // Messages to peers still waiting in the outbox carry the same EoIs, contacts
  // included (found by the erasure test: a queued `registry.eoi.update` kept PL's
  // contact on FI's disk after the scrub, then was settled and left in an SST).
  // They are rewritten under the same key and message id, so the peer still hears
  // of the change, without the erased party.
  for (const auto& key : batch_.keys(store_.cf(kOutbox))) {
    auto bytes = batch_.get(store_.cf(kOutbox), key);
    if (!bytes || !bytes.value()) continue;
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.value()->data());
    auto sent = decode_envelope({data, bytes.value()->size()});
    if (!sent) continue;
    const auto& type = sent.value().header().type;
    if (type != wire_type(wire::REGISTRY_EOI_DELIVER) &&
        type != wire_type(wire::REGISTRY_EOI_UPDATE)) {
      continue;
    }
    auto redacted = without_party(sent.value().payload<wire::EoiPeerMessage>().getEoi(), country,
                                  org_id, profile_ids);
    if (!redacted) continue;
    auto eoi = store::StoredValue<wire::ExpressionOfInterest>::parse(*redacted);
    if (!eoi) continue;
    EnvelopeBuilder again(sent.value().header());
    again.init_payload<wire::EoiPeerMessage>().setEoi(eoi->get());
    put(store_.cf(kOutbox), key, again.encode());
    ++rewritten;
  }
  return rewritten;
}

}  // namespace gosmart::registry
