// Peers' public records kept here: applying their events under the same rules as
// local writes, and the digest that tells two copies of the replicated state apart.
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
#include "services/registry/domain/eoi_parties.hpp"
#include "services/registry/domain/lifecycle.hpp"
#include "services/registry/registry_internal.hpp"
#include "services/registry/replicas.hpp"

namespace gosmart::registry {

using namespace internal;

Replicas::Replicas(RegistryStage& stage, Eois& eois) : StagedPart(stage), eois_(eois) {
  published_ = static_cast<int64_t>(count_published(store_, kReplicaProfiles));
}

bool Replicas::replica_published(const store::StagingBatch& batch, const std::string& id) const {
  auto stored = batch.get(store_.cf(kReplicaProfiles), id);
  return stored && published(stored.value());
}

Result<std::optional<std::string>> Replicas::replica_owner(const store::StagingBatch& batch,
                                                           const std::string& id) const {
  auto stored = batch.get(store_.cf(kReplicaProfiles), id);
  if (!stored) return stored.error();
  if (!stored.value()) return std::optional<std::string>();
  auto profile = store::StoredValue<wire::Profile>::parse(*stored.value());
  if (!profile) return fail(ErrorCode::INTERNAL, "a replica profile held here is unreadable", id);
  return std::optional<std::string>(text_of(profile->get().getOwnerId()));
}

std::set<std::string> Replicas::replica_profiles_of(const store::StagingBatch& batch,
                                                    const std::string& owner) const {
  std::set<std::string> found;
  for (const auto& id : batch.keys(store_.cf(kReplicaProfiles))) {
    auto held = replica_owner(batch, id);
    if (held && held.value() && *held.value() == owner) found.insert(id);
  }
  return found;
}

Result<std::string> Replicas::state_digest(const service::Request& request) {
  // One canonical record per public organisation and published profile: the record
  // a peer holds (a PublicOrganisation; a Profile as its published event carries it)
  // in Cap'n Proto's canonical bytes, with every field that legitimately differs from
  // node to node cleared first. Records sorted, then hashed. Every other field takes
  // part, so a replication that drops or alters any replicated field shows.
  //   Cleared: an organisation's legalName (held by a replica only when a profile
  //   names it, and by its home node always); a profile's revisionComment and
  //   lastActor (never replicated) and createdUs/updatedUs (timestamps).
  // An organisation's private fields (contacts, registry id, city, description...)
  // are not held by peers and do not take part.
  std::vector<std::string> lines;
  auto canonical_line = [](char kind, auto reader) {
    auto words = capnp::canonicalize(reader);
    auto bytes = words.asBytes();
    std::string line(1, kind);
    line.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    return line;
  };
  auto org_line = [&](wire::PublicOrganisation::Reader org) {
    ScratchMessage message;
    message.setRoot(org);
    auto copy = message.getRoot<wire::PublicOrganisation>();
    copy.setLegalName("");
    return canonical_line('o', copy.asReader());
  };
  auto home_org_line = [&](wire::Organisation::Reader org) {
    ScratchMessage message;
    auto copy = message.initRoot<wire::PublicOrganisation>();
    fill_public(copy, org, false);
    return org_line(copy.asReader());
  };
  auto profile_line = [&](wire::Profile::Reader p) {
    ScratchMessage message;
    message.setRoot(p);
    auto copy = message.getRoot<wire::Profile>();
    copy.setRevisionComment("");
    copy.setLastActor("");
    copy.setCreatedUs(0);
    copy.setUpdatedUs(0);
    return canonical_line('p', copy.asReader());
  };
  uint64_t orgs = 0;
  uint64_t profiles = 0;
  auto scan = [&](const char* cf, auto each) {
    auto it = store_.iterate(store_.cf(cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) each(it->value().ToStringView());
  };
  scan(kOrgs, [&](std::string_view bytes) {
    auto org = store::StoredValue<wire::Organisation>::parse(bytes);
    if (org && !org->get().getErased()) lines.push_back(home_org_line(org->get())), ++orgs;
  });
  scan(kReplicaOrgs, [&](std::string_view bytes) {
    auto org = store::StoredValue<wire::PublicOrganisation>::parse(bytes);
    if (org && !org->get().getErased()) lines.push_back(org_line(org->get())), ++orgs;
  });
  for (const char* cf : {kProfiles, kReplicaProfiles}) {
    scan(cf, [&](std::string_view bytes) {
      auto profile = store::StoredValue<wire::Profile>::parse(bytes);
      if (profile && profile->get().getStatus() == wire::ProfileStatus::PUBLISHED) {
        lines.push_back(profile_line(profile->get()));
        ++profiles;
      }
    });
  }
  std::sort(lines.begin(), lines.end());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const auto& line : lines) {
    // Length first: the records are binary, no separator is safe.
    std::array<uint8_t, 8> length{};
    for (std::size_t i = 0; i < length.size(); ++i) {
      length[i] = static_cast<uint8_t>(line.size() >> (8 * i));
    }
    crypto_hash_sha256_update(&state, length.data(), length.size());
    crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(line.data()), line.size());
  }
  std::array<uint8_t, 32> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_STATE_DIGEST_REPLY));
  auto out = reply.init_payload<wire::StateDigest>();
  out.setDigest(to_hex(digest));
  out.setOrganisations(orgs);
  out.setPublishedProfiles(profiles);
  return reply.encode();
}

namespace {

// What a registry publishes about its own country's records for peers to keep.
bool replicated_type(std::string_view type) {
  return type == wire_type(wire::REGISTRY_ORG_PUBLIC) ||
         type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED) ||
         type == wire_type(wire::REGISTRY_PROFILE_STATUS) ||
         type == wire_type(wire::REGISTRY_ORG_ERASED);
}

}  // namespace

Status Replicas::apply_peer_event(const DecodedEnvelope& event, store::StagingBatch& batch) {
  const std::string& origin = event.header().origin_country;
  const std::string& type = event.header().type;
  // Ids and references are parsed and their country compared: a substring test
  // passed for others' records, since kind codes (TR, BR, BO) are country codes too.
  auto org_of_origin = [&](capnp::Text::Reader id) {
    std::string_view text(id.cStr(), id.size());
    return is_organisation_id(text) && text.substr(0, 2) == origin;
  };
  auto profile_of_origin = [&](capnp::Text::Reader id) {
    auto parsed = parse_profile_reference(std::string_view(id.cStr(), id.size()));
    return parsed && parsed->country == origin;
  };
  // Replicated content passes the rules a local write passes (issue 11, D5: an
  // 850 KB description, TRL 77 and a far-future expiry were applied and matched).
  ValidationContext replica_rules = context();
  replica_rules.country = origin;
  replica_rules.replica = true;
  auto invalid_replica = [](const char* part, Status checked) -> Status {
    if (checked) return checked;
    Failure failure = checked.error();
    failure.field = std::string(part) + "." + failure.field;
    return failure;
  };
  if (type == wire_type(wire::REGISTRY_ORG_PUBLIC)) {
    auto org = event.payload<wire::OrgPublicEvent>().getOrganisation();
    if (std::string_view(org.getCountry().cStr()) != origin || !org_of_origin(org.getId())) {
      return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only",
                  "organisation.country");
    }
    if (auto s = invalid_replica("organisation", validate_public_organisation(org, replica_rules));
        !s) {
      return s;
    }
    ScratchMessage message;
    message.setRoot(org);
    message.getRoot<wire::PublicOrganisation>().setLegalName("");
    batch.put(store_.cf(kReplicaOrgs), std::string(org.getId()), store::to_bytes(message));
  } else if (type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
    auto published = event.payload<wire::ProfilePublishedEvent>();
    auto profile = published.getProfile();
    auto owner = published.getOwner();
    if (std::string_view(owner.getCountry().cStr()) != origin ||
        !profile_of_origin(profile.getId()) || !org_of_origin(owner.getId()) ||
        owner.getId() != profile.getOwnerId()) {
      return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only",
                  "profile.id");
    }
    if (auto s = invalid_replica("profile", validate_profile(profile, replica_rules)); !s) return s;
    if (auto s = invalid_replica("owner", validate_public_organisation(owner, replica_rules)); !s) {
      return s;
    }
    ScratchMessage message;
    message.setRoot(profile);
    if (GOSMART_BREAK_POINT("registry.replica_drops_summary")) {
      message.getRoot<wire::Profile>().setSummary("");  // test-only: a field lost on the way in
    }
    std::string bytes = store::to_bytes(message);
    std::string id = profile.getId();
    published_delta_ += static_cast<int>(profile.getStatus() == wire::ProfileStatus::PUBLISHED) -
                        static_cast<int>(replica_published(batch, id));
    batch.put(store_.cf(kReplicaProfiles), id, bytes);
    ScratchMessage owner_message;
    owner_message.setRoot(owner);
    batch.put(store_.cf(kReplicaOrgs), std::string(owner.getId()), store::to_bytes(owner_message));
  } else if (type == wire_type(wire::REGISTRY_PROFILE_STATUS)) {
    auto status = event.payload<wire::ProfileStatusEvent>();
    if (!profile_of_origin(status.getProfileId()) ||
        (status.hasOwnerId() && !org_of_origin(status.getOwnerId()))) {
      return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only",
                  "profileId");
    }
    std::string id = status.getProfileId();
    auto stored = batch.get(store_.cf(kReplicaProfiles), id);
    if (!stored) return stored.error();
    const std::optional<std::string>& current = stored.value();
    bool was_published = published(current);
    // Only what was published is replicated; a withdrawal or expiry updates it.
    if (current && !is_open(status.getStatus())) {
      auto old = store::StoredValue<wire::Profile>::parse(*current);
      if (old) {
        ScratchMessage message;
        message.setRoot(old->get());
        message.getRoot<wire::Profile>().setStatus(status.getStatus());
        std::string bytes = store::to_bytes(message);
        published_delta_ += static_cast<int>(status.getStatus() == wire::ProfileStatus::PUBLISHED) -
                            static_cast<int>(was_published);
        batch.put(store_.cf(kReplicaProfiles), id, bytes);
      }
    }
  }
  if (type == wire_type(wire::REGISTRY_ORG_ERASED)) {
    auto erased = event.payload<wire::OrgErasedEvent>();
    std::string id = text_of(erased.getOrganisationId());
    if (!org_of_origin(erased.getOrganisationId())) {
      return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only",
                  "organisationId");
    }
    // The list names profiles too, and readers downstream (matching) unindex what it
    // names: a profile of another country, or of another owner here, refuses the
    // whole event (outside finding N2: one peer unindexed a DK profile everywhere).
    std::set<std::string> erased_profiles = replica_profiles_of(batch, id);
    auto listed = erased.getProfileIds();
    for (unsigned i = 0; i < listed.size(); ++i) {
      std::string field = "profileIds[" + std::to_string(i) + "]";
      if (!profile_of_origin(listed[i])) {
        return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only", field);
      }
      auto held = replica_owner(batch, text_of(listed[i]));
      if (!held) return held.error();
      if (held.value() && *held.value() != id) {
        return fail(ErrorCode::NOT_AUTHORISED, "the profile belongs to another organisation",
                    field);
      }
      erased_profiles.insert(text_of(listed[i]));
    }
    auto redacted = redact_events_of(log_, batch.batch(), origin, id);
    if (!redacted) return redacted.error();
    erasures_ = true;
    if (stage_.kept_replies) {
      // Replies kept here for retries may carry its contact (an accepted EoI).
      auto forgotten = stage_.kept_replies->forget(batch.batch(), id);
      if (!forgotten) return forgotten.error();
    }
    ScratchMessage tombstone;
    auto gone = tombstone.initRoot<wire::PublicOrganisation>();
    gone.setId(id);
    gone.setCountry(origin);
    gone.setErased(true);
    batch.put(store_.cf(kReplicaOrgs), id, store::to_bytes(tombstone));
    if (!GOSMART_BREAK_POINT("registry.peer_keeps_eoi_party")) {
      eois_.forget_eoi_party(origin, id, erased_profiles,
                             [&](rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                                 std::string bytes) { batch.put(cf, key, bytes); });
    }
    // Every replica of its profiles goes, listed or not (finding N9: an unlisted one
    // stayed published under an erased owner).
    for (const auto& gone_id : erased_profiles) {
      published_delta_ -= static_cast<int>(replica_published(batch, gone_id));
      batch.del(store_.cf(kReplicaProfiles), gone_id);
    }
  }
  if (type == wire_type(wire::REGISTRY_EOI_CHANGED) ||
      type == wire_type(wire::REGISTRY_EOI_RECEIVED)) {
    // Relayed to this node's own readers: what it names must be the origin's own
    // (outside finding N4: an FI event naming a PL expression and PL organisation was
    // relayed into PL's stream).
    auto eoi = event.payload<wire::EoiEvent>();
    std::string_view eoi_id(eoi.getEoiId().cStr(), eoi.getEoiId().size());
    if (!is_eoi_id_of(eoi_id, eoi_id.substr(0, 2))) {
      return fail(ErrorCode::INVALID_FIELD, "not an expression of interest id", "eoiId");
    }
    if (eoi.getProfileId().size() > 0 &&
        !parse_profile_reference(
            std::string_view(eoi.getProfileId().cStr(), eoi.getProfileId().size()))) {
      return fail(ErrorCode::INVALID_FIELD, "not a profile reference", "profileId");
    }
    if (eoi.getLocalOrgId().size() > 0
            ? !org_of_origin(eoi.getLocalOrgId())
            : !is_eoi_id_of(eoi_id, origin) && !profile_of_origin(eoi.getProfileId())) {
      return fail(ErrorCode::NOT_AUTHORISED, "a registry speaks for its own country only",
                  "localOrgId");
    }
    return {};
  }
  if (!replicated_type(type)) {
    // A type this version does not know is not relayed unread (issue 11, D17).
    return fail(ErrorCode::INVALID_FIELD, "an event type this registry does not know", "type");
  }
  // EoI events concern the origin's own organisations: relayed, nothing to apply.
  return {};
}

}  // namespace gosmart::registry
