// Erasure of an organisation: its records, its profiles and its events (own log and
// relayed copies redacted to tombstones).
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "common/core/break_point.hpp"
#include "common/reference/formats.hpp"
#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "services/registry/domain/classification.hpp"
#include "services/registry/registry.hpp"
#include "services/registry/registry_internal.hpp"

namespace gosmart::registry {

using namespace internal;

Status Registry::erase_records(const std::string& id, wire::Organisation::Reader old,
                               std::vector<std::string>& withdrawn) {
  // The tombstone keeps the id (so it is never reused) and nothing else.
  ScratchMessage tombstone;
  auto gone = tombstone.initRoot<wire::Organisation>();
  gone.setId(id);
  gone.setCountry(options_.country);
  gone.setErased(true);
  gone.setUpdatedUs(now_us());
  batch_.put(store_.cf(kOrgs), id, store::to_bytes(tombstone));
  index_national_id(text_of(old.getRegistryId()), tombstone.getRoot<wire::Organisation>());
  // Replies kept for retries of its registration and updates carry its contacts.
  if (kept_replies_) {
    auto forgotten = kept_replies_->forget(batch_.batch(), id);
    if (!forgotten) return forgotten.error();
  }

  // Every profile: stored, and submitted in a batch not yet durable.
  auto candidates = batch_.keys(store_.cf(kProfiles));
  for (const auto& profile_id : candidates) {
    auto bytes = batch_.get(store_.cf(kProfiles), profile_id);
    if (!bytes || !bytes.value()) continue;
    auto profile = store::StoredValue<wire::Profile>::parse(*bytes.value());
    if (!profile || text_of(profile->get().getOwnerId()) != id) continue;
    // The profile text may name people; it goes, with the organisation.
    delete_profile(profile_id);
    withdrawn.push_back(profile_id);
  }
  // Its contact and words leave the expressions of interest it was a party to.
  std::set<std::string> profiles(withdrawn.begin(), withdrawn.end());
  forget_eoi_party(options_.country, id, profiles,
                   [&](rocksdb::ColumnFamilyHandle* cf, const std::string& key, std::string bytes) {
                     batch_.put(cf, key, std::move(bytes));
                   });
  return {};
}

Result<std::string> Registry::erase_org(const service::Request& request) {
  auto ask = request.envelope.payload<wire::OrgErase>();
  std::string id = text_of(ask.getId());
  auto existing = batch_.get(store_.cf(kOrgs), id);
  if (!existing) return existing.error();
  if (!existing.value()) return not_found("organisation", id);
  auto old = store::StoredValue<wire::Organisation>::parse(*existing.value());
  if (!old) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
  if (old->get().getErased()) return fail(ErrorCode::CONFLICT, "already erased", "id");
  // Bounded like a revision comment: the action log's replies must stay readable.
  if (auto reason = ask.getReason(); reason.size() == 0 || reason.size() > kMaxReasonBytes) {
    return fail(ErrorCode::INVALID_FIELD, "a reason of 1 to 2000 bytes is required", "reason");
  }

  std::vector<std::string> withdrawn;
  auto erased = erase_records(id, old->get(), withdrawn);
  if (!erased) return erased.error();
  staging_.events.push_back(log_.append<wire::OrgErasedEvent>(
      batch_.batch(), wire_type(wire::REGISTRY_ORG_ERASED), [&](auto event) {
        event.setOrganisationId(id);
        auto ids = event.initProfileIds(static_cast<unsigned>(withdrawn.size()));
        for (unsigned i = 0; i < withdrawn.size(); ++i) ids.set(i, withdrawn[i]);
      }));
  auto redacted = redact_events_of(batch_.batch(), options_.country, id);
  if (!redacted) return redacted.error();
  std::set<std::string> targets(withdrawn.begin(), withdrawn.end());
  targets.insert(id);
  auto actions_redacted = redact_action_details(targets);
  if (!actions_redacted) return actions_redacted.error();
  staging_.erased.push_back(id);
  record_action(request, "org.erase", id, text_of(ask.getReason()));
  // The reason is free text a broker wrote and may name people: the action log
  // keeps it (erased with the node's records), the service log does not.
  spdlog::warn("registry: erased {} and {} profiles by {}", id, withdrawn.size(),
               request.caller.user_id());

  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ORG_ERASED_REPLY));
  auto out = reply.init_payload<wire::OrgErasedReply>();
  out.setOrganisationId(id);
  auto ids = out.initProfilesWithdrawn(static_cast<unsigned>(withdrawn.size()));
  for (unsigned i = 0; i < withdrawn.size(); ++i) ids.set(i, withdrawn[i]);
  return reply.encode();
}

Status Registry::redact_events_of(rocksdb::WriteBatch& batch, const std::string& origin,
                                  const std::string& org_id) {
  auto concerns = [&](const DecodedEnvelope& event) {
    const auto& type = event.header().type;
    if (type == wire_type(wire::REGISTRY_ORG_PUBLIC)) {
      return text_of(event.payload<wire::OrgPublicEvent>().getOrganisation().getId()) == org_id;
    }
    if (type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
      auto published = event.payload<wire::ProfilePublishedEvent>();
      return text_of(published.getProfile().getOwnerId()) == org_id ||
             text_of(published.getOwner().getId()) == org_id;
    }
    if (type == wire_type(wire::REGISTRY_PROFILE_STATUS)) {
      return text_of(event.payload<wire::ProfileStatusEvent>().getOwnerId()) == org_id;
    }
    return false;
  };
  auto redacted = log_.redact(batch, origin, concerns);
  if (!redacted) return redacted.error();
  spdlog::info("registry: erasure of {} redacted {} events of {} in the event log", org_id,
               redacted.value(), origin);
  return {};
}

}  // namespace gosmart::registry
