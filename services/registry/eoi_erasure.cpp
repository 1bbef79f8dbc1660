// Erasure reaches expressions of interest: an erased organisation's contact, and the
// message it wrote as a sender, leave every EoI it was a party to. The same
// `registry.org.erased` event that removes its replicas runs this on every peer, so
// a peer that received the contact through an accepted EoI erases it too (GDPR
// Art. 17(2)) without a message of its own: the event already reaches every node,
// also one that was down and catches up.
#include <set>

#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {

using reference::text_of;

std::size_t Registry::forget_eoi_party(const std::string& country, const std::string& org_id,
                                       const std::set<std::string>& profile_ids,
                                       const EoiRewrite& put) {
  auto ids = batch_.keys(store_.cf(kEois));
  std::size_t rewritten = 0;
  for (const auto& id : ids) {
    auto bytes = batch_.get(store_.cf(kEois), id);
    if (!bytes || !bytes.value()) continue;
    auto stored = store::StoredValue<wire::ExpressionOfInterest>::parse(*bytes.value());
    if (!stored) continue;
    auto eoi = stored->get();
    bool sender =
        text_of(eoi.getSenderCountry()) == country && text_of(eoi.getSenderOrgId()) == org_id;
    bool owner = text_of(eoi.getOwnerCountry()) == country &&
                 (profile_ids.count(text_of(eoi.getProfileId())) > 0 ||
                  text_of(eoi.getTargetOrgId()) == org_id);
    if (!sender && !owner) continue;
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
    put(id, store::to_bytes(message));
    ++rewritten;
  }
  return rewritten;
}

}  // namespace gosmart::registry
