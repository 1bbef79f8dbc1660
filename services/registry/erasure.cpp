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
  gone.setCountry(stage_.options.country);
  gone.setErased(true);
  gone.setUpdatedUs(now_us());
  stage_.batch.put(stage_.store.cf(kOrgs), id, store::to_bytes(tombstone));
  orgs_.index_national_id(text_of(old.getRegistryId()), tombstone.getRoot<wire::Organisation>());
  // Replies kept for retries of its registration and updates carry its contacts.
  if (stage_.kept_replies) {
    auto forgotten = stage_.kept_replies->forget(stage_.batch.batch(), id);
    if (!forgotten) return forgotten.error();
  }

  // Every profile: stored, and submitted in a batch not yet durable.
  auto candidates = stage_.batch.keys(stage_.store.cf(kProfiles));
  for (const auto& profile_id : candidates) {
    auto bytes = stage_.batch.get(stage_.store.cf(kProfiles), profile_id);
    if (!bytes || !bytes.value()) continue;
    auto profile = store::StoredValue<wire::Profile>::parse(*bytes.value());
    if (!profile || text_of(profile->get().getOwnerId()) != id) continue;
    // The profile text may name people; it goes, with the organisation.
    profiles_.delete_profile(profile_id);
    withdrawn.push_back(profile_id);
  }
  // Its contact and words leave the expressions of interest it was a party to.
  std::set<std::string> profiles(withdrawn.begin(), withdrawn.end());
  eois_.forget_eoi_party(stage_.options.country, id, profiles,
                         [&](rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                             std::string bytes) { stage_.batch.put(cf, key, std::move(bytes)); });
  return {};
}

Result<std::string> Registry::erase_org(const service::Request& request) {
  auto ask = request.envelope.payload<wire::OrgErase>();
  std::string id = text_of(ask.getId());
  auto existing = stage_.batch.get(stage_.store.cf(kOrgs), id);
  if (!existing) return existing.error();
  if (!existing.value()) return not_found("organisation", id);
  auto old = store::StoredValue<wire::Organisation>::parse(*existing.value());
  if (!old) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
  if (old->get().getErased()) return fail(ErrorCode::CONFLICT, "already erased", "id");
  // Bounded like a revision comment: the action log's replies must stay readable.
  if (auto s = check_text("reason", text_of(ask.getReason()), kMaxReasonBytes, true, Lines::many);
      !s) {
    return s.error();
  }

  std::vector<std::string> withdrawn;
  auto erased = erase_records(id, old->get(), withdrawn);
  if (!erased) return erased.error();
  stage_.staging.events.push_back(stage_.log.append<wire::OrgErasedEvent>(
      stage_.batch.batch(), wire_type(wire::REGISTRY_ORG_ERASED), [&](auto event) {
        event.setOrganisationId(id);
        auto ids = event.initProfileIds(static_cast<unsigned>(withdrawn.size()));
        for (unsigned i = 0; i < withdrawn.size(); ++i) ids.set(i, withdrawn[i]);
      }));
  auto redacted = redact_events_of(stage_.log, stage_.batch.batch(), stage_.options.country, id);
  if (!redacted) return redacted.error();
  std::set<std::string> targets(withdrawn.begin(), withdrawn.end());
  targets.insert(id);
  auto actions_redacted = actions_.redact_action_details(targets);
  if (!actions_redacted) return actions_redacted.error();
  stage_.staging.erased.push_back(id);
  actions_.record_action(request, "org.erase", id, text_of(ask.getReason()));
  // The reason is free text a broker wrote and may name people: the action log
  // keeps it (erased with the node's records), the service log does not.
  spdlog::warn("registry: erased {} and {} profiles by {}", id, withdrawn.size(),
               request.caller.user_id());

  auto reply =
      service::make_reply(stage_.info, request, wire_type(wire::REGISTRY_ORG_ERASED_REPLY));
  auto out = reply.init_payload<wire::OrgErasedReply>();
  out.setOrganisationId(id);
  auto ids = out.initProfilesWithdrawn(static_cast<unsigned>(withdrawn.size()));
  for (unsigned i = 0; i < withdrawn.size(); ++i) ids.set(i, withdrawn[i]);
  return reply.encode();
}

Status redact_events_of(replication::EventLog& log, rocksdb::WriteBatch& batch,
                        const std::string& origin, const std::string& org_id) {
  if (GOSMART_BREAK_POINT("registry.skip_redaction")) return {};
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
  auto redacted = log.redact(batch, origin, concerns);
  if (!redacted) return redacted.error();
  spdlog::info("registry: erasure of {} redacted {} events of {} in the event log", org_id,
               redacted.value(), origin);
  return {};
}

}  // namespace gosmart::registry
