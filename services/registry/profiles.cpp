// Cooperation profiles of this registry's country: submission, the brokered
// lifecycle, expiry, reads and scans (peers' replicas too, as they are shown here).
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
#include "services/registry/domain/lifecycle.hpp"
#include "services/registry/profiles.hpp"
#include "services/registry/registry_internal.hpp"

namespace gosmart::registry {

using namespace internal;

bool Profiles::own_published(const std::string& id) const {
  auto bytes = batch_.get(store_.cf(kProfiles), id);
  return bytes && published(bytes.value());
}

void Profiles::put_profile(const std::string& id, capnp::MallocMessageBuilder& message) {
  bool now = message.getRoot<wire::Profile>().getStatus() == wire::ProfileStatus::PUBLISHED;
  staging_.published_delta += static_cast<int>(now) - static_cast<int>(own_published(id));
  batch_.put(store_.cf(kProfiles), id, store::to_bytes(message));
}

void Profiles::delete_profile(const std::string& id) {
  staging_.published_delta -= static_cast<int>(own_published(id));
  batch_.del(store_.cf(kProfiles), id);
}

void Profiles::emit_status(wire::Profile::Reader profile) {
  staging_.events.push_back(log_.append<wire::ProfileStatusEvent>(
      batch_.batch(), wire_type(wire::REGISTRY_PROFILE_STATUS), [&](auto event) {
        event.setProfileId(profile.getId());
        event.setOwnerId(profile.getOwnerId());
        event.setStatus(profile.getStatus());
      }));
}

void Profiles::emit_published(wire::Profile::Reader profile, wire::Organisation::Reader owner) {
  staging_.events.push_back(log_.append<wire::ProfilePublishedEvent>(
      batch_.batch(), wire_type(wire::REGISTRY_PROFILE_PUBLISHED), [&](auto event) {
        event.setProfile(profile);
        auto copy = event.getProfile();
        copy.setRevisionComment("");  // between broker and owner only
        copy.setLastActor("");
        fill_public(event.initOwner(), owner, profile.getNamed());
      }));
}

Result<std::string> Profiles::submit_profile(const service::Request& request) {
  auto write = request.envelope.payload<wire::ProfileWrite>();
  auto input = write.getProfile();
  ScratchMessage message;
  message.setRoot(input);
  auto profile = message.getRoot<wire::Profile>();
  // A migration imports a new profile as it was; an update is never a migration.
  bool migration = write.getMigration() && text_of(profile.getId()).empty();
  auto rules = context();
  rules.migration = migration;
  if (auto valid = validate_profile(profile.asReader(), rules); !valid) return valid.error();
  if (!migration) profile.setPublishedOn("");  // the registry sets it on publication

  std::string owner_id = text_of(profile.getOwnerId());
  auto owner_bytes = batch_.get(store_.cf(kOrgs), owner_id);
  if (!owner_bytes) return owner_bytes.error();
  if (!owner_bytes.value()) {
    return fail(ErrorCode::INVALID_FIELD, "no organisation " + owner_id + " in this registry",
                "ownerId");
  }
  auto owner = store::StoredValue<wire::Organisation>::parse(*owner_bytes.value());
  if (!owner || owner->get().getErased()) {
    return fail(ErrorCode::CONFLICT, "organisation " + owner_id + " was erased", "ownerId");
  }
  if (auto allowed = may_act_for(request.caller, owner->get()); !allowed) return allowed.error();

  int64_t now = now_us();
  std::string id = text_of(profile.getId());
  wire::ProfileStatus current = wire::ProfileStatus::UNKNOWN;
  if (!id.empty()) {
    auto existing = batch_.get(store_.cf(kProfiles), id);
    if (!existing) return existing.error();
    if (!existing.value()) return not_found("profile", id);
    auto old = store::StoredValue<wire::Profile>::parse(*existing.value());
    if (!old) return fail(ErrorCode::INTERNAL, "stored profile unreadable");
    if (std::string_view(old->get().getOwnerId().cStr()) != owner_id) {
      return fail(ErrorCode::CONFLICT, "a profile's owner does not change", "ownerId");
    }
    if (old->get().getKind() != profile.getKind()) {
      return fail(ErrorCode::CONFLICT, "a profile's kind does not change", "kind");
    }
    current = old->get().getStatus();
    profile.setCreatedUs(old->get().getCreatedUs());
  }
  auto next = next_status(current, ProfileAction::submit);
  if (!next) return next.error();
  if (id.empty()) {
    std::string day = options_.today();
    std::string compact = day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2);
    auto kind = std::string(kind_code(profile.getKind()));
    id = profile_reference(profile.getKind(), options_.country, compact,
                           static_cast<uint32_t>(next_counter("ref/" + kind + compact)));
    profile.setId(id);
    profile.setCreatedUs(now);
  }
  profile.setStatus(next.value());
  // Expired before the migration: kept and shown to its owner, never published.
  if (migration && text_of(profile.getExpiresOn()) < options_.today()) {
    profile.setStatus(wire::ProfileStatus::EXPIRED);
  }
  profile.setUpdatedUs(now);
  profile.setRevisionComment("");
  profile.setLastActor(request.caller.user_id());
  put_profile(id, message);
  emit_status(profile.asReader());
  actions_.record_action(request, "profile.submit", id);
  request.reply_concerns(owner_id);  // its text may name people: it goes on erasure

  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_PROFILE_REPLY));
  reply.init_payload<wire::ProfileReply>().setProfile(profile.asReader());
  return reply.encode();
}

Result<std::string> Profiles::transition_profile(const service::Request& request) {
  auto ask = request.envelope.payload<wire::ProfileTransition>();
  ProfileAction action;
  switch (ask.getAction()) {
    case wire::ProfileTransition::Action::PUBLISH:
      action = ProfileAction::publish;
      break;
    case wire::ProfileTransition::Action::REQUEST_REVISION:
      action = ProfileAction::request_revision;
      break;
    case wire::ProfileTransition::Action::WITHDRAW:
      action = ProfileAction::withdraw;
      break;
    case wire::ProfileTransition::Action::RENEW:
      action = ProfileAction::renew;
      break;
    default:
      return fail(ErrorCode::INVALID_FIELD, "unknown action", "action");
  }
  if (!role_may(request.caller.role, action)) {
    spdlog::warn("registry: {} may not {}", request.caller.user_id(), action_name(action));
    return fail(ErrorCode::NOT_AUTHORISED, std::string("role ") +
                                               config::role_name(request.caller.role) +
                                               " may not " + action_name(action));
  }
  std::string id = ask.getProfileId();
  auto existing = batch_.get(store_.cf(kProfiles), id);
  if (!existing) return existing.error();
  if (!existing.value()) return not_found("profile", id);
  auto old = store::StoredValue<wire::Profile>::parse(*existing.value());
  if (!old) return fail(ErrorCode::INTERNAL, "stored profile unreadable");
  auto acting = orgs_.org_for(request, text_of(old->get().getOwnerId()), "profileId");
  if (!acting) return acting.error();
  request.reply_concerns(text_of(old->get().getOwnerId()));  // the reply holds the profile
  auto next = next_status(old->get().getStatus(), action);
  if (!next) return next.error();

  ScratchMessage message;
  message.setRoot(old->get());
  auto profile = message.getRoot<wire::Profile>();
  std::string today = options_.today();
  if (action == ProfileAction::request_revision) {
    std::string comment = ask.getComment();
    // Mailed to the SME with the returned profile (outside finding M6, issue 13).
    if (auto s = check_text("comment", comment, kMaxReasonBytes, true, Lines::many); !s) {
      return s.error();
    }
    profile.setRevisionComment(comment);
  }
  if (action == ProfileAction::renew) {
    std::string expiry = ask.getNewExpiry();
    if (std::string expected = ask.getIfExpiresOn();
        !expected.empty() && expected != text_of(profile.getExpiresOn())) {
      return fail(ErrorCode::CONFLICT,
                  "the profile ends on " + text_of(profile.getExpiresOn()) + ", not " + expected,
                  "ifExpiresOn");
    }
    if (!is_iso_date(expiry) || expiry < today) {  // expiresOn: the last day shown
      return fail(ErrorCode::INVALID_FIELD, "a date from " + today + " on", "newExpiry");
    }
    // The same bound a new profile has (outside wave 4: a renewal took any date).
    if (std::string latest = latest_expiry(today); expiry > latest) {
      return fail(ErrorCode::INVALID_FIELD,
                  "at most " + std::to_string(kMaxExpiryYears) + " years ahead (" + latest + ")",
                  "newExpiry");
    }
    profile.setExpiresOn(expiry);
  }
  if (action == ProfileAction::publish && text_of(profile.getExpiresOn()) < today) {
    return fail(ErrorCode::CONFLICT, "the profile has expired; renew it", "expiresOn");
  }
  // The first publication's day; a migrated profile keeps its original one.
  if (action == ProfileAction::publish && text_of(profile.getPublishedOn()).empty()) {
    profile.setPublishedOn(today);
  }
  profile.setStatus(next.value());
  profile.setUpdatedUs(now_us());
  profile.setLastActor(request.caller.user_id());
  put_profile(id, message);
  if (next.value() == wire::ProfileStatus::PUBLISHED) {
    auto owner_bytes = batch_.get(store_.cf(kOrgs), text_of(profile.getOwnerId()));
    if (!owner_bytes || !owner_bytes.value()) {
      return fail(ErrorCode::INTERNAL, "the profile's owner is missing");
    }
    auto owner = store::StoredValue<wire::Organisation>::parse(*owner_bytes.value());
    if (!owner) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
    emit_published(profile.asReader(), owner->get());
  } else {
    emit_status(profile.asReader());
  }
  actions_.record_action(
      request, std::string("profile.") + action_name(action), id,
      action == ProfileAction::renew ? text_of(profile.getExpiresOn()) : text_of(ask.getComment()));
  spdlog::info("registry: {} {} -> status {} by {}", action_name(action), id,
               static_cast<int>(next.value()), request.caller.user_id());
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_PROFILE_REPLY));
  reply.init_payload<wire::ProfileReply>().setProfile(profile.asReader());
  return reply.encode();
}

std::size_t Profiles::expire_due() {
  std::string today = options_.today();
  std::size_t expired = 0;
  auto it = store_.iterate(store_.cf(kProfiles));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto bytes = batch_.get(store_.cf(kProfiles), it->key().ToString());
    if (!bytes || !bytes.value()) continue;
    auto profile = store::StoredValue<wire::Profile>::parse(*bytes.value());
    if (!profile || profile->get().getStatus() != wire::ProfileStatus::PUBLISHED) continue;
    // expiresOn is the last day the profile is shown.
    if (text_of(profile->get().getExpiresOn()) >= today) continue;
    ScratchMessage message;
    message.setRoot(profile->get());
    auto updated = message.getRoot<wire::Profile>();
    updated.setStatus(wire::ProfileStatus::EXPIRED);
    updated.setUpdatedUs(now_us());
    updated.setLastActor("registry:expiry");
    put_profile(it->key().ToString(), message);
    emit_status(updated.asReader());
    ++expired;
  }
  if (expired) spdlog::info("registry: {} profiles expired on {}", expired, today);
  return expired;
}

Result<std::string> Profiles::get_profile(const service::Request& request) {
  std::string id = request.envelope.payload<wire::ProfileGet>().getId();
  auto own = batch_.get(store_.cf(kProfiles), id);
  if (!own) return own.error();
  auto bytes = own.value();
  bool replica_copy = !bytes;
  if (!bytes) {
    auto replica = store_.get(store_.cf(kReplicaProfiles), id);
    if (!replica) return replica.error();
    bytes = replica.value();
  }
  if (!bytes) return not_found("profile", id);
  auto profile = store::StoredValue<wire::Profile>::parse(*bytes);
  if (!profile) return fail(ErrorCode::INTERNAL, "stored profile unreadable");
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_PROFILE_REPLY));
  auto out = reply.init_payload<wire::ProfileReply>();
  out.setProfile(profile->get());
  // A peer's profile past its last day is expired here, whether or not its owner's
  // registry (down, perhaps) has said so yet.
  if (replica_copy && profile->get().getStatus() == wire::ProfileStatus::PUBLISHED &&
      text_of(profile->get().getExpiresOn()) < options_.today()) {
    out.getProfile().setStatus(wire::ProfileStatus::EXPIRED);
  }
  return reply.encode();
}

// A profile's owner as its readers may see it: the public classification, named
// only as the profile is. Left empty when the owner is not known (yet) here.
void Profiles::fill_owner(wire::PublicOrganisation::Builder out, wire::Profile::Reader profile,
                          bool own) {
  std::string owner_id = text_of(profile.getOwnerId());
  if (own) {
    auto bytes = batch_.get(store_.cf(kOrgs), owner_id);
    if (!bytes || !bytes.value()) return;
    auto org = store::StoredValue<wire::Organisation>::parse(*bytes.value());
    if (org) fill_public(out, org->get(), profile.getNamed());
    return;
  }
  auto bytes = store_.get(store_.cf(kReplicaOrgs), owner_id);
  if (!bytes || !bytes.value()) return;
  auto org = store::StoredValue<wire::PublicOrganisation>::parse(*bytes.value());
  if (!org) return;
  out.setId(org->get().getId());
  out.setCountry(org->get().getCountry());
  out.setRegion(org->get().getRegion());
  out.setType(org->get().getType());
  out.setSizeClass(org->get().getSizeClass());
  out.setNaceCodes(org->get().getNaceCodes());
  out.setDomains(org->get().getDomains());
  out.setLanguages(org->get().getLanguages());
  if (profile.getNamed()) out.setLegalName(org->get().getLegalName());
  out.setErased(org->get().getErased());
}

Result<std::string> Profiles::list_profiles(const service::Request& request) {
  auto query = request.envelope.payload<wire::ProfileQuery>();
  uint32_t limit = query.getLimit() == 0 ? 100 : std::min(query.getLimit(), options_.max_page);
  std::string country = query.getCountry();
  std::string owner = query.getOwnerId();
  std::string after = query.getAfterId();
  std::vector<std::string> found;
  std::vector<bool> found_own;
  std::string last;
  std::string today = options_.today();
  // A peer's profile past its last day is expired here too, though the peer's own
  // expiry event has not come (its node down): it is not listed as published.
  auto status_of = [&](wire::Profile::Reader p, bool own) {
    if (!own && p.getStatus() == wire::ProfileStatus::PUBLISHED &&
        text_of(p.getExpiresOn()) < today) {
      return wire::ProfileStatus::EXPIRED;
    }
    return p.getStatus();
  };
  auto keep = [&](wire::Profile::Reader p, bool own) {
    if (query.getStatus() != wire::ProfileStatus::UNKNOWN &&
        status_of(p, own) != query.getStatus()) {
      return false;
    }
    if (query.getKind() != wire::ProfileKind::UNKNOWN && p.getKind() != query.getKind()) {
      return false;
    }
    return owner.empty() || std::string_view(p.getOwnerId().cStr()) == owner;
  };
  for (const char* cf : {kProfiles, kReplicaProfiles}) {
    bool own = std::string_view(cf) == kProfiles;
    if (!country.empty() && (country == options_.country) != own) continue;
    auto it = store_.iterate(store_.cf(cf));
    for (it->Seek(after); it->Valid() && found.size() < limit; it->Next()) {
      if (it->key().ToStringView() == after) continue;
      auto p = store::StoredValue<wire::Profile>::parse(it->value().ToStringView());
      if (!p || !keep(p->get(), own)) continue;
      if (!country.empty() && !own && it->key().ToStringView().find(country) == std::string::npos) {
        continue;
      }
      if (auto status = status_of(p->get(), own); status != p->get().getStatus()) {
        ScratchMessage shown;
        shown.setRoot(p->get());
        shown.getRoot<wire::Profile>().setStatus(status);
        found.push_back(store::to_bytes(shown));
      } else {
        found.push_back(it->value().ToString());
      }
      found_own.push_back(own);
      last = std::max(last, it->key().ToString());
    }
  }
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_PROFILE_PAGE));
  auto page = reply.init_payload<wire::ProfilePage>();
  auto list = page.initProfiles(static_cast<unsigned>(found.size()));
  auto owners = page.initOwners(static_cast<unsigned>(found.size()));
  for (unsigned i = 0; i < found.size(); ++i) {
    auto profile = store::StoredValue<wire::Profile>::parse(found[i]);
    list.setWithCaveats(i, profile->get());
    fill_owner(owners[i], profile->get(), found_own[i]);
  }
  if (found.size() >= limit) page.setNextAfterId(last);
  return reply.encode();
}

}  // namespace gosmart::registry
