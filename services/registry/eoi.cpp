// Expressions of interest: an organisation of this registry's country expresses
// interest in a published profile of another country. The two registries exchange
// the EoI through each other's api (role peer), store-and-forward through the
// outbox until acknowledged. Contacts cross only after the owner accepts.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "services/registry/domain/classification.hpp"
#include "services/registry/domain/eoi_parties.hpp"
#include "services/registry/domain/eoi_rules.hpp"
#include "services/registry/eois.hpp"

namespace gosmart::registry {

using reference::text_of;

namespace {

using wire::EoiStatus;

// The acknowledgement a peer's outbox waits for.
std::string eoi_ack(const service::ServiceInfo& info, const service::Request& request,
                    const std::string& id, EoiStatus status) {
  auto reply = service::make_reply(info, request, wire_type(wire::REGISTRY_EOI_ACK));
  auto out = reply.init_payload<wire::EoiAck>();
  out.setEoiId(id);
  out.setStatus(status);
  return reply.encode();
}

// What an expression of interest is in: a profile, or an organisation without one.
std::string eoi_subject(wire::ExpressionOfInterest::Reader eoi) {
  return eoi.getTargetOrgId().size() > 0 ? text_of(eoi.getTargetOrgId())
                                         : text_of(eoi.getProfileId());
}

std::string eoi_id(const std::string& country, uint64_t sequence) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(sequence));
  return country + "-EOI-" + digits;
}

}  // namespace

void Eois::fill_contact(wire::EoiContact::Builder out, const std::string& org_id) {
  auto bytes = batch_.get(store_.cf(kOrgs), org_id);
  if (!bytes || !bytes.value()) return;
  auto org = store::StoredValue<wire::Organisation>::parse(*bytes.value());
  if (!org) return;
  out.setOrganisationName(org->get().getLegalName());
  if (org->get().getContacts().size() > 0) {
    auto contact = org->get().getContacts()[0];
    out.setContactName(contact.getName());
    out.setEmail(contact.getEmail());
    out.setPhone(contact.getPhone());
  }
}

void Eois::enqueue_peer(const std::string& country, std::string_view type,
                        wire::ExpressionOfInterest::Reader eoi) {
  EnvelopeBuilder request(options_.country, wire::Service::REGISTRY, type);
  request.init_payload<wire::EoiPeerMessage>().setEoi(eoi);
  stage_.outbox.stage(batch_.batch(), country, request.encode());
}

void Eois::store_eoi(capnp::MallocMessageBuilder& message, const std::string& local_org,
                     std::string_view event_type) {
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setUpdatedUs(now_us());
  std::string id = text_of(eoi.getId());
  batch_.put(store_.cf(kEois), id, store::to_bytes(message));
  // Both sides keep the index: the sender's limits its own organisations, the
  // owner's limits what a peer delivers (sender ids start with their country).
  std::string open_key = text_of(eoi.getSenderOrgId()) + "/" + eoi_subject(eoi);
  if (eoi_open(eoi.getStatus())) {
    batch_.put(store_.cf(kEoiOpen), open_key, id);
  } else {
    batch_.del(store_.cf(kEoiOpen), open_key);
  }
  staging_.events.push_back(
      log_.append<wire::EoiEvent>(batch_.batch(), event_type, [&](auto event) {
        event.setEoiId(id);
        event.setProfileId(eoi.getProfileId());
        event.setStatus(eoi.getStatus());
        event.setLocalOrgId(local_org);
      }));
}

Result<std::string> Eois::eoi_reply(const service::Request& request,
                                    wire::ExpressionOfInterest::Reader eoi) {
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_EOI_REPLY));
  reply.init_payload<wire::EoiReply>().setEoi(eoi);
  return reply.encode();
}

Result<store::StoredValue<wire::ExpressionOfInterest>> Eois::load_eoi(const std::string& id,
                                                                      const char* field) {
  auto bytes = batch_.get(store_.cf(kEois), id);
  if (!bytes) return bytes.error();
  if (!bytes.value()) return fail(ErrorCode::NOT_FOUND, "no expression of interest " + id, field);
  auto stored = store::StoredValue<wire::ExpressionOfInterest>::parse(*bytes.value());
  if (!stored) return fail(ErrorCode::INTERNAL, "stored expression of interest unreadable");
  return std::move(*stored);
}

Status Eois::room_for_eoi(const std::string& sender_id, const std::string& profile_id,
                          const char* field_prefix) {
  std::string prefix = field_prefix;
  auto open = batch_.get(store_.cf(kEoiOpen), sender_id + "/" + profile_id);
  if (!open) return open.error();
  if (open.value()) {
    return fail(ErrorCode::CONFLICT, "an open expression of interest exists: " + *open.value(),
                prefix + "profileId");
  }
  // Stored and staged (a flood pipelined into one commit is counted as it comes).
  std::string sender_prefix = sender_id + "/";
  std::size_t open_count = batch_.keys(store_.cf(kEoiOpen), sender_prefix).size();
  if (open_count >= options_.max_open_eois) {
    return fail(ErrorCode::LIMIT_EXCEEDED,
                "at most " + std::to_string(options_.max_open_eois) +
                    " open expressions of interest per organisation",
                prefix + "senderOrgId");
  }
  return {};
}

// A published profile of another country, not past its last day: its country.
Result<std::string> Eois::profile_subject(const std::string& profile_id) {
  auto profile_bytes = store_.get(store_.cf(kReplicaProfiles), profile_id);
  if (!profile_bytes) return profile_bytes.error();
  if (!profile_bytes.value()) {
    return fail(ErrorCode::NOT_FOUND, "no published profile " + profile_id + " of another country",
                "profileId");
  }
  auto profile = store::StoredValue<wire::Profile>::parse(*profile_bytes.value());
  if (!profile || profile->get().getStatus() != wire::ProfileStatus::PUBLISHED) {
    return fail(ErrorCode::CONFLICT, "the profile is no longer published", "profileId");
  }
  // Past its last day, though its owner's registry has not said so yet (down).
  if (text_of(profile->get().getExpiresOn()) < options_.today()) {
    return fail(ErrorCode::CONFLICT,
                "the profile expired on " + text_of(profile->get().getExpiresOn()), "profileId");
  }
  auto reference = parse_profile_reference(profile_id);
  if (!reference) {
    return fail(ErrorCode::INVALID_FIELD, "not a profile reference: " + profile_id, "profileId");
  }
  return std::string(reference->country);
}

// An organisation of another country (its public replica here, not erased) and the
// sender's own published research request the interest is for: the target's country.
Result<std::string> Eois::org_subject(wire::EoiSend::Reader ask, const std::string& sender_id) {
  std::string target_id = text_of(ask.getTargetOrgId());
  auto target_bytes = store_.get(store_.cf(kReplicaOrgs), target_id);
  if (!target_bytes) return target_bytes.error();
  std::optional<store::StoredValue<wire::PublicOrganisation>> target;
  if (target_bytes.value()) {
    target = store::StoredValue<wire::PublicOrganisation>::parse(*target_bytes.value());
  }
  if (!target || target->get().getErased()) {
    return fail(ErrorCode::NOT_FOUND, "no organisation " + target_id + " of another country",
                "targetOrgId");
  }
  std::string about_id = text_of(ask.getAboutProfileId());
  auto about_bytes = batch_.get(store_.cf(kProfiles), about_id);
  if (!about_bytes) return about_bytes.error();
  std::optional<store::StoredValue<wire::Profile>> about;
  if (about_bytes.value()) about = store::StoredValue<wire::Profile>::parse(*about_bytes.value());
  if (!about || text_of(about->get().getOwnerId()) != sender_id ||
      about->get().getKind() != wire::ProfileKind::RESEARCH_PARTNER_REQUEST ||
      about->get().getStatus() != wire::ProfileStatus::PUBLISHED) {
    return fail(
        ErrorCode::INVALID_FIELD,
        "a published research request of " + sender_id + " (an organisation is addressed for one)",
        "aboutProfileId");
  }
  return text_of(target->get().getCountry());
}

Result<std::string> Eois::send_eoi(const service::Request& request) {
  auto ask = request.envelope.payload<wire::EoiSend>();
  std::string sender_id = text_of(ask.getSenderOrgId());
  std::string profile_id = text_of(ask.getProfileId());
  std::string text = text_of(ask.getMessage());
  // Read by the owner's broker and mailed: the rules of any typed text (outside
  // finding M6, issue 13: a right-to-left override passed here).
  if (auto s = check_text("message", text, 2000, true, Lines::many); !s) return s.error();
  if (!ask.getConsentToShare()) {
    return fail(ErrorCode::INVALID_FIELD,
                "the sender must consent to share its details with the owner on acceptance",
                "consentToShare");
  }
  auto sender_bytes = batch_.get(store_.cf(kOrgs), sender_id);
  if (!sender_bytes) return sender_bytes.error();
  if (!sender_bytes.value()) {
    return fail(ErrorCode::INVALID_FIELD, "no organisation " + sender_id + " here", "senderOrgId");
  }
  auto sender = store::StoredValue<wire::Organisation>::parse(*sender_bytes.value());
  if (!sender || sender->get().getErased()) {
    return fail(ErrorCode::CONFLICT, "organisation was erased", "senderOrgId");
  }
  if (auto allowed = may_act_for(request.caller, sender->get()); !allowed) return allowed.error();
  std::string target_id = text_of(ask.getTargetOrgId());
  if (target_id.empty() == profile_id.empty()) {
    return fail(ErrorCode::INVALID_FIELD,
                "give a profile, or an organisation found for a research request (targetOrgId), "
                "not both",
                "profileId");
  }
  auto owner_country =
      target_id.empty() ? profile_subject(profile_id) : org_subject(ask, sender_id);
  if (!owner_country) return owner_country.error();
  std::string subject = target_id.empty() ? profile_id : target_id;
  if (auto room = room_for_eoi(sender_id, subject, ""); !room) return room.error();

  ScratchMessage message;
  auto eoi = message.initRoot<wire::ExpressionOfInterest>();
  eoi.setId(eoi_id(options_.country, next_counter("eoi_seq")));
  eoi.setProfileId(profile_id);
  if (!target_id.empty()) {
    eoi.setTargetOrgId(target_id);
    eoi.setAboutProfileId(ask.getAboutProfileId());
  }
  eoi.setOwnerCountry(owner_country.value());
  eoi.setSenderOrgId(sender_id);
  eoi.setSenderCountry(options_.country);
  fill_public(eoi.initSender(), sender->get(), false);
  eoi.setMessage(text);
  eoi.setConsentToShare(true);
  eoi.setStatus(EoiStatus::SUBMITTED);
  eoi.setCreatedUs(now_us());
  store_eoi(message, sender_id, wire_type(wire::REGISTRY_EOI_CHANGED));
  enqueue_peer(text_of(eoi.getOwnerCountry()), wire_type(wire::REGISTRY_EOI_DELIVER),
               eoi.asReader());
  actions_.record_action(request, "eoi.send", text_of(eoi.getId()), subject);
  spdlog::info("registry: {} expresses interest in {} ({}) by {}", sender_id, subject,
               text_of(eoi.getId()), request.caller.user_id());
  return eoi_reply(request, eoi.asReader());
}

// This node's party to an expression of interest: the sender's organisation on the
// sender's side, the profile's owner on the owner's side (empty when it is gone).
std::string Eois::local_party(wire::ExpressionOfInterest::Reader eoi) {
  if (text_of(eoi.getSenderCountry()) == options_.country) return text_of(eoi.getSenderOrgId());
  if (eoi.getTargetOrgId().size() > 0) return text_of(eoi.getTargetOrgId());
  auto profile_bytes = batch_.get(store_.cf(kProfiles), text_of(eoi.getProfileId()));
  if (!profile_bytes || !profile_bytes.value()) return {};
  auto profile = store::StoredValue<wire::Profile>::parse(*profile_bytes.value());
  return profile ? text_of(profile->get().getOwnerId()) : std::string();
}

Result<std::string> Eois::get_eoi(const service::Request& request) {
  std::string id = text_of(request.envelope.payload<wire::EoiGet>().getId());
  auto loaded = load_eoi(id, "id");
  if (!loaded) return loaded.error();
  auto* eoi = &loaded.value();
  // Contacts are for those who act for this node's party: a broker, or the portal that
  // manages that organisation; monitors and other portals see the EoI without them.
  if (orgs_.org_for(request, local_party(eoi->get()), "id")) return eoi_reply(request, eoi->get());
  ScratchMessage redacted;
  redacted.setRoot(eoi->get());
  redacted.getRoot<wire::ExpressionOfInterest>().initSenderContact();
  redacted.getRoot<wire::ExpressionOfInterest>().initOwnerContact();
  return eoi_reply(request, redacted.getRoot<wire::ExpressionOfInterest>().asReader());
}

// Loads an EoI for a change by this side; the change's new status must be a step of
// the workflow that this side may take.
Result<std::string> Eois::answer_eoi(const service::Request& request) {
  auto ask = request.envelope.payload<wire::EoiAnswer>();
  std::string id = text_of(ask.getEoiId());
  auto loaded = load_eoi(id, "eoiId");
  if (!loaded) return loaded.error();
  auto* stored = &loaded.value();
  if (text_of(stored->get().getOwnerCountry()) != options_.country) {
    return fail(ErrorCode::CONFLICT, "only the profile owner's side answers", "eoiId");
  }
  EoiStatus next = ask.getAccept() ? EoiStatus::ACCEPTED : EoiStatus::DECLINED;
  if (!eoi_step_allowed(stored->get().getStatus(), next)) {
    return fail(ErrorCode::CONFLICT,
                std::string("cannot answer an expression of interest that is ") +
                    eoi_status_name(stored->get().getStatus()),
                "eoiId");
  }
  ScratchMessage message;
  message.setRoot(stored->get());
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(next);
  std::string owner_id = local_party(eoi.asReader());
  if (auto owner = orgs_.org_for(request, owner_id, "eoiId"); !owner) return owner.error();
  if (next == EoiStatus::ACCEPTED) fill_contact(eoi.initOwnerContact(), owner_id);
  store_eoi(message, owner_id, wire_type(wire::REGISTRY_EOI_CHANGED));
  enqueue_peer(text_of(eoi.getSenderCountry()), wire_type(wire::REGISTRY_EOI_UPDATE),
               eoi.asReader());
  actions_.record_action(request, "eoi.answer", id, eoi_status_name(next));
  return eoi_reply(request, eoi.asReader());
}

Result<std::string> Eois::advance_eoi(const service::Request& request) {
  auto ask = request.envelope.payload<wire::EoiAdvance>();
  std::string id = text_of(ask.getEoiId());
  auto loaded = load_eoi(id, "eoiId");
  if (!loaded) return loaded.error();
  auto* stored = &loaded.value();
  EoiStatus next = ask.getStatus();
  bool sender_side = text_of(stored->get().getSenderCountry()) == options_.country;
  // Accepting and declining have their own request (eoi.answer), with its checks.
  bool allowed = eoi_step_allowed(stored->get().getStatus(), next) && next != EoiStatus::ACCEPTED &&
                 next != EoiStatus::DECLINED &&
                 eoi_step_is_for(sender_side ? EoiSide::sender : EoiSide::owner, next);
  if (!allowed) {
    return fail(ErrorCode::CONFLICT,
                std::string("cannot go from ") + eoi_status_name(stored->get().getStatus()) +
                    " to " + eoi_status_name(next),
                "status");
  }
  std::string local = local_party(stored->get());
  if (auto acting = orgs_.org_for(request, local, "eoiId"); !acting) return acting.error();
  ScratchMessage message;
  message.setRoot(stored->get());
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(next);
  store_eoi(message, local, wire_type(wire::REGISTRY_EOI_CHANGED));
  enqueue_peer(text_of(sender_side ? eoi.getOwnerCountry() : eoi.getSenderCountry()),
               wire_type(wire::REGISTRY_EOI_UPDATE), eoi.asReader());
  actions_.record_action(request, "eoi.advance", id, eoi_status_name(next));
  return eoi_reply(request, eoi.asReader());
}

// What a peer's delivery is in, here: a published profile of ours, or one of our
// organisations (not erased) addressed for a research request. Its owner's id.
Result<std::string> Eois::delivery_subject(wire::ExpressionOfInterest::Reader incoming) {
  if (incoming.getTargetOrgId().size() > 0) {
    std::string target_id = text_of(incoming.getTargetOrgId());
    auto bytes = batch_.get(store_.cf(kOrgs), target_id);
    if (!bytes) return bytes.error();
    std::optional<store::StoredValue<wire::Organisation>> org;
    if (bytes.value()) org = store::StoredValue<wire::Organisation>::parse(*bytes.value());
    if (!org || org->get().getErased()) {
      return fail(ErrorCode::NOT_FOUND, "no organisation " + target_id, "eoi.targetOrgId");
    }
    return target_id;
  }
  auto profile_bytes = batch_.get(store_.cf(kProfiles), text_of(incoming.getProfileId()));
  if (!profile_bytes) return profile_bytes.error();
  std::optional<store::StoredValue<wire::Profile>> profile;
  if (profile_bytes.value())
    profile = store::StoredValue<wire::Profile>::parse(*profile_bytes.value());
  if (!profile || profile->get().getStatus() != wire::ProfileStatus::PUBLISHED) {
    return fail(ErrorCode::NOT_FOUND, "no published profile " + text_of(incoming.getProfileId()),
                "eoi.profileId");
  }
  return text_of(profile->get().getOwnerId());
}

Result<std::string> Eois::peer_deliver(const service::Request& request) {
  auto incoming = request.envelope.payload<wire::EoiPeerMessage>().getEoi();
  std::string id = text_of(incoming.getId());
  // A registry delivers its own organisations' expressions, about profiles of ours.
  if (auto parties = check_eoi_parties(incoming, {request.caller.name, options_.country});
      !parties) {
    refusal_log_.warn(request.caller.user_id(), "registry: delivery of {} by {} refused: {}", id,
                      request.caller.user_id(), describe(parties.error()));
    return parties.error();
  }
  auto ack = [&](EoiStatus status) { return eoi_ack(info_, request, id, status); };
  auto existing = batch_.get(store_.cf(kEois), id);
  if (!existing) return existing.error();
  if (existing.value()) {  // a retry of a delivery already stored
    auto stored = store::StoredValue<wire::ExpressionOfInterest>::parse(*existing.value());
    return ack(stored ? stored->get().getStatus() : EoiStatus::FORWARDED);
  }
  auto local = delivery_subject(incoming);
  if (!local) return local.error();
  std::string text = text_of(incoming.getMessage());
  if (auto s = check_text("eoi.message", text, 2000, true, Lines::many); !s) return s.error();
  // The rules a sender's registry applies hold here too: a peer that does not keep
  // them cannot flood an owner (the refusal settles the delivery as undeliverable).
  if (auto room = room_for_eoi(text_of(incoming.getSenderOrgId()), eoi_subject(incoming), "eoi.");
      !room) {
    refusal_log_.warn(request.caller.user_id(), "registry: delivery of {} by {} refused: {}", id,
                      request.caller.user_id(), describe(room.error()));
    return room.error();
  }
  if (!incoming.getConsentToShare()) {
    return fail(ErrorCode::INVALID_FIELD,
                "the sender must consent to share its details with the owner on acceptance",
                "eoi.consentToShare");
  }
  ScratchMessage message;
  message.setRoot(incoming);
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(EoiStatus::FORWARDED);
  eoi.initSenderContact();  // nothing personal before acceptance, whatever was sent
  eoi.initOwnerContact();
  // What only this registry may say is not taken from the peer (outside wave 4): the
  // sender is anonymous until acceptance (a name in its block is dropped, a name the
  // sender's registry would never send), a status reason is this side's own, and the
  // time is no later than now.
  eoi.getSender().setLegalName("");
  eoi.setStatusReason("");
  auto now = now_us();
  if (eoi.getCreatedUs() <= 0 || eoi.getCreatedUs() > now) eoi.setCreatedUs(now);
  store_eoi(message, local.value(), wire_type(wire::REGISTRY_EOI_RECEIVED));
  return ack(EoiStatus::FORWARDED);
}

Result<std::string> Eois::peer_update(const service::Request& request) {
  auto incoming = request.envelope.payload<wire::EoiPeerMessage>().getEoi();
  std::string id = text_of(incoming.getId());
  auto loaded = load_eoi(id, "eoi.id");
  if (!loaded) return loaded.error();
  auto* stored = &loaded.value();
  bool we_own = text_of(stored->get().getOwnerCountry()) == options_.country;
  std::string other =
      text_of(we_own ? stored->get().getSenderCountry() : stored->get().getOwnerCountry());
  if (request.caller.name != other) {
    return fail(ErrorCode::NOT_AUTHORISED, "only the other side of this expression may update it",
                "eoi.id");
  }
  // The update names the same parties as the EoI it updates: only its status and
  // contacts are taken from it, but a peer that rewrites who is involved is refused,
  // not quietly corrected.
  auto parties = check_eoi_parties(incoming, {text_of(stored->get().getSenderCountry()),
                                              text_of(stored->get().getOwnerCountry())});
  if (parties && text_of(incoming.getSenderOrgId()) != text_of(stored->get().getSenderOrgId())) {
    parties = fail(ErrorCode::NOT_AUTHORISED,
                   "the sender is " + text_of(stored->get().getSenderOrgId()), "eoi.senderOrgId");
  }
  if (parties && text_of(incoming.getProfileId()) != text_of(stored->get().getProfileId())) {
    parties = fail(ErrorCode::NOT_AUTHORISED,
                   "the profile is " + text_of(stored->get().getProfileId()), "eoi.profileId");
  }
  if (parties && text_of(incoming.getTargetOrgId()) != text_of(stored->get().getTargetOrgId())) {
    parties = fail(ErrorCode::NOT_AUTHORISED,
                   "the organisation addressed is " + text_of(stored->get().getTargetOrgId()),
                   "eoi.targetOrgId");
  }
  if (!parties) {
    refusal_log_.warn(request.caller.user_id(), "registry: update of {} by {} refused: {}", id,
                      request.caller.user_id(), describe(parties.error()));
    return parties.error();
  }
  auto ack = [&](EoiStatus status) { return eoi_ack(info_, request, id, status); };
  EoiStatus current = stored->get().getStatus();
  // The owner answering shows that it holds the EoI: on the sender's side a delivery
  // not settled yet (its settle still being committed, or lost in a crash and the
  // delivery sent again) counts as forwarded, or the answer would be refused for good.
  if (!we_own && current == EoiStatus::SUBMITTED) current = EoiStatus::FORWARDED;
  EoiStatus next = incoming.getStatus();
  auto known = [](wire::EoiContact::Reader c) { return c.getEmail().size() > 0; };
  bool contact_news =
      eoi_accepted(next) &&
      (we_own ? known(incoming.getSenderContact()) && !known(stored->get().getSenderContact())
              : known(incoming.getOwnerContact()) && !known(stored->get().getOwnerContact()));
  // A peer takes only its own side's steps: the sender's registry never accepts for
  // the owner, the owner's never withdraws for the sender.
  if (next != current && !eoi_step_is_for(we_own ? EoiSide::sender : EoiSide::owner, next)) {
    refusal_log_.warn(request.caller.user_id(),
                      "registry: update of {} by {} refused: {} is not the {}'s step", id,
                      request.caller.user_id(), eoi_status_name(next), we_own ? "sender" : "owner");
    return fail(ErrorCode::NOT_AUTHORISED,
                std::string(eoi_status_name(next)) + " is not a step the " +
                    (we_own ? "sender" : "owner") + "'s side takes",
                "eoi.status");
  }
  if (next != current && !eoi_step_allowed(current, next)) {
    if (current == next || !eoi_open(current)) return ack(current);  // stale or repeated
    return fail(
        ErrorCode::CONFLICT,
        std::string("cannot go from ") + eoi_status_name(current) + " to " + eoi_status_name(next),
        "eoi.status");
  }
  if (next == current && !contact_news) return ack(current);  // a retry
  ScratchMessage message;
  message.setRoot(stored->get());
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(next);
  std::string local;
  if (we_own) {
    if (eoi_accepted(next) && known(incoming.getSenderContact())) {
      eoi.setSenderContact(incoming.getSenderContact());
    }
  } else {
    local = text_of(eoi.getSenderOrgId());
    if (eoi_accepted(next) && known(incoming.getOwnerContact())) {
      eoi.setOwnerContact(incoming.getOwnerContact());
    }
    // Accepted: now the sender's details go to the owner, as the sender consented.
    if (next == EoiStatus::ACCEPTED && current != EoiStatus::ACCEPTED) {
      fill_contact(eoi.initSenderContact(), local);
      enqueue_peer(other, wire_type(wire::REGISTRY_EOI_UPDATE), eoi.asReader());
    }
  }
  store_eoi(message, local, wire_type(wire::REGISTRY_EOI_CHANGED));
  return ack(next);
}

void Eois::settle_delivery(const std::string& id, EoiStatus outcome, const std::string& reason) {
  // Only an EoI still waiting for its delivery: a repeated answer changes nothing.
  auto bytes = batch_.get(store_.cf(kEois), id);
  if (!bytes || !bytes.value()) return;
  auto stored = store::StoredValue<wire::ExpressionOfInterest>::parse(*bytes.value());
  if (!stored || stored->get().getStatus() != EoiStatus::SUBMITTED) return;
  ScratchMessage message;
  message.setRoot(stored->get());
  auto eoi = message.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(outcome);
  if (!reason.empty()) {
    eoi.setStatusReason(reason.substr(0, 500));
    spdlog::warn("registry: expression of interest {} undeliverable: {}", id, reason);
  }
  store_eoi(message, text_of(stored->get().getSenderOrgId()),
            wire_type(wire::REGISTRY_EOI_CHANGED));
}

void Eois::delivered(const std::string& id) {
  settle_delivery(id, EoiStatus::FORWARDED, "");
}

void Eois::undeliverable(const std::string& id, const std::string& reason) {
  settle_delivery(id, EoiStatus::UNDELIVERABLE, reason.empty() ? "refused" : reason);
}

Result<std::string> Eois::eoi_reply_concerns(const service::Request& request,
                                             Result<std::string> reply) {
  if (!reply || !request.reply_subjects) return reply;
  const auto& bytes = reply.value();
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!decoded || decoded.value().header().type != wire_type(wire::REGISTRY_EOI_REPLY))
    return reply;
  // Both parties, also a foreign one: the reply may carry its contact (once the EoI
  // is accepted), and its home's erasure reaches this node as `registry.org.erased`
  // (outside findings, wave 3: a peer's kept reply served an erased contact).
  auto eoi = decoded.value().payload<wire::EoiReply>().getEoi();
  request.reply_concerns(text_of(eoi.getSenderOrgId()));
  bool own = text_of(eoi.getOwnerCountry()) == options_.country;
  std::string profile_id = text_of(eoi.getProfileId());
  auto stored = own ? batch_.get(store_.cf(kProfiles), profile_id)
                    : store_.get(store_.cf(kReplicaProfiles), profile_id);
  if (stored && stored.value()) {
    if (auto profile = store::StoredValue<wire::Profile>::parse(*stored.value())) {
      request.reply_concerns(text_of(profile->get().getOwnerId()));
    }
  }
  return reply;
}

}  // namespace gosmart::registry
