// Registry members for a restore from a backup: events of this registry's own
// origin that its peers hold and it lost are taken back as its own (the votes on
// them are restore_recovery.cpp's). What they carry is the public part only: an
// organisation rebuilt from them has no contacts, no registry id, no description.
#include <charconv>

#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "services/registry/domain/classification.hpp"
#include "services/registry/registry.hpp"

namespace gosmart::registry {
namespace {

using reference::text_of;

std::optional<uint64_t> number_after(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) return std::nullopt;
  auto digits = id.substr(prefix.size());
  uint64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

Status Registry::restore_own_event(const DecodedEnvelope& event) {
  const auto& header = event.header();
  if (header.origin_country != stage_.options.country) {
    return fail(ErrorCode::INVALID_FIELD, "not an event of this registry", "originCountry");
  }
  stage_.staging.events.push_back(stage_.log.restore(stage_.batch.batch(), event));
  const std::string& type = header.type;
  if (type == wire_type(wire::REGISTRY_ORG_PUBLIC)) {
    return restore_org(event.payload<wire::OrgPublicEvent>().getOrganisation(),
                       header.timestamp_us);
  }
  if (type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
    auto published = event.payload<wire::ProfilePublishedEvent>();
    auto owner = restore_org(published.getOwner(), header.timestamp_us);
    if (!owner) return owner;
    return restore_profile(published.getProfile());
  }
  if (type == wire_type(wire::REGISTRY_PROFILE_STATUS)) {
    return restore_status(event.payload<wire::ProfileStatusEvent>());
  }
  if (type == wire_type(wire::REGISTRY_ORG_ERASED)) {
    return restore_erasure(text_of(event.payload<wire::OrgErasedEvent>().getOrganisationId()));
  }
  if (type.starts_with("registry.eoi.")) {
    // The expression of interest itself (with contacts) was only here: lost. Its
    // number is not taken again.
    std::string id = text_of(event.payload<wire::EoiEvent>().getEoiId());
    if (auto number = number_after(id, stage_.options.country + "-EOI-"))
      stage_.counter_past("eoi_seq", *number);
  }
  return {};  // placeholders and other types change no record
}

Status Registry::restore_org(wire::PublicOrganisation::Reader org, int64_t at_us) {
  std::string id = text_of(org.getId());
  if (text_of(org.getCountry()) != stage_.options.country || !is_organisation_id(id)) {
    return fail(ErrorCode::INVALID_FIELD, "not an organisation of this registry", "id");
  }
  if (auto number = number_after(id, stage_.options.country + "-"))
    stage_.counter_past("org_seq", *number);
  auto existing = stage_.batch.get(stage_.store.cf(kOrgs), id);
  if (!existing) return existing.error();
  ScratchMessage message;
  if (existing.value()) {
    auto old = store::StoredValue<wire::Organisation>::parse(*existing.value());
    if (!old) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
    if (old->get().getErased()) return {};  // an erasure is never undone
    message.setRoot(old->get());
  } else {
    message.initRoot<wire::Organisation>().setCreatedUs(at_us);
    ++stage_.staging.new_organisations;
    ++restored_public_only_;
  }
  auto out = message.getRoot<wire::Organisation>();
  out.setId(id);
  out.setCountry(stage_.options.country);
  out.setRegion(org.getRegion());
  out.setType(org.getType());
  out.setHelix(helix_of(org.getType()));
  out.setSizeClass(org.getSizeClass());
  out.setNaceCodes(org.getNaceCodes());
  out.setDomains(org.getDomains());
  out.setLanguages(org.getLanguages());
  if (org.hasLegalName() && org.getLegalName().size() > 0) out.setLegalName(org.getLegalName());
  out.setUpdatedUs(at_us);
  stage_.batch.put(stage_.store.cf(kOrgs), id, store::to_bytes(message));
  return {};
}

Status Registry::restore_profile(wire::Profile::Reader profile) {
  std::string id = text_of(profile.getId());
  auto reference = parse_profile_reference(id);
  if (!reference || reference->country != stage_.options.country) {
    return fail(ErrorCode::INVALID_FIELD, "not a profile of this registry", "id");
  }
  stage_.counter_past("ref/" + std::string(kind_code(reference->kind)) + reference->date,
                      reference->number);
  auto owner = stage_.batch.get(stage_.store.cf(kOrgs), text_of(profile.getOwnerId()));
  if (!owner) return owner.error();
  if (owner.value()) {
    auto org = store::StoredValue<wire::Organisation>::parse(*owner.value());
    if (org && org->get().getErased()) return {};
  }
  ScratchMessage message;
  message.setRoot(profile);
  profiles_.put_profile(id, message);
  return {};
}

Status Registry::restore_status(wire::ProfileStatusEvent::Reader status) {
  std::string id = text_of(status.getProfileId());
  auto reference = parse_profile_reference(id);
  if (!reference || reference->country != stage_.options.country) {
    return fail(ErrorCode::INVALID_FIELD, "not a profile of this registry", "profileId");
  }
  stage_.counter_past("ref/" + std::string(kind_code(reference->kind)) + reference->date,
                      reference->number);
  auto stored = stage_.batch.get(stage_.store.cf(kProfiles), id);
  if (!stored) return stored.error();
  if (!stored.value()) return {};  // never published, so never sent: lost with the backup
  auto old = store::StoredValue<wire::Profile>::parse(*stored.value());
  if (!old) return fail(ErrorCode::INTERNAL, "stored profile unreadable");
  ScratchMessage message;
  message.setRoot(old->get());
  message.getRoot<wire::Profile>().setStatus(status.getStatus());
  profiles_.put_profile(id, message);
  return {};
}

Status Registry::restore_erasure(const std::string& id) {
  if (auto number = number_after(id, stage_.options.country + "-"))
    stage_.counter_past("org_seq", *number);
  auto existing = stage_.batch.get(stage_.store.cf(kOrgs), id);
  if (!existing) return existing.error();
  if (!existing.value()) return {};  // not in the backup: nothing came back
  auto old = store::StoredValue<wire::Organisation>::parse(*existing.value());
  if (!old) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
  if (old->get().getErased()) return {};
  // The backup brought its records and the events before the backup back: they go
  // again, as the erasure took them the first time (its event is the one restored).
  std::vector<std::string> withdrawn;
  auto erased = erase_records(id, old->get(), withdrawn);
  if (!erased) return erased;
  auto redacted = redact_events_of(stage_.log, stage_.batch.batch(), stage_.options.country, id);
  if (!redacted) return redacted;
  std::set<std::string> targets(withdrawn.begin(), withdrawn.end());
  targets.insert(id);
  auto actions_redacted = actions_.redact_action_details(targets);
  if (!actions_redacted) return actions_redacted;
  stage_.staging.erased.push_back(id);
  return {};
}

}  // namespace gosmart::registry
