// Organisations of this registry's country: registration and update (derived
// fields, the national id index), reads and scans.
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
#include "services/registry/organisations.hpp"
#include "services/registry/registry_internal.hpp"

namespace gosmart::registry {

using namespace internal;

Status may_act_for(const transport::Identity& caller, wire::Organisation::Reader org) {
  if (caller.role == Role::broker) return {};
  // The node's own notifier tells every organisation of this registry; what it may
  // write at all is limited by the handlers' roles (preferences, a renewal).
  if (caller.role == Role::notifier) return {};
  if (caller.role == Role::integration && text_of(org.getManagedBy()) == caller.name) return {};
  return fail(ErrorCode::NOT_AUTHORISED,
              caller.user_id() + " does not act for " + text_of(org.getId()));
}

bool sees_contacts(const transport::Identity& caller, wire::Organisation::Reader org) {
  return may_act_for(caller, org).ok();
}

void fill_public(wire::PublicOrganisation::Builder out, wire::Organisation::Reader org,
                 bool named) {
  out.setId(org.getId());
  out.setCountry(org.getCountry());
  out.setRegion(org.getRegion());
  out.setType(org.getType());
  out.setSizeClass(org.getSizeClass());
  out.setNaceCodes(org.getNaceCodes());
  out.setDomains(org.getDomains());
  out.setLanguages(org.getLanguages());
  if (named || GOSMART_BREAK_POINT("registry.publish_legal_name")) {
    out.setLegalName(org.getLegalName());
  }
  out.setErased(org.getErased());
}

Organisations::Organisations(RegistryStage& stage, ActionLog& actions)
    : StagedPart(stage), actions_(actions), national_ids_(options_.country, options_.index_secret) {
  // Erasure tombstones keep their ids (never reused) but are not organisations.
  // The national id index is built here when its hash key is new (a store from
  // before it, a new node key) and completed when entries are missing.
  auto check = store_.get(store_.cf(kNationalIds), std::string(NationalIdIndex::check_key()));
  if (!check) throw std::runtime_error("national id index: " + describe(check.error()));
  bool rebuild = !check.value() || *check.value() != national_ids_.check_value();
  rocksdb::WriteBatch index;
  if (rebuild) {
    auto old = store_.iterate(store_.cf(kNationalIds));
    for (old->SeekToFirst(); old->Valid(); old->Next()) {
      index.Delete(store_.cf(kNationalIds), old->key());
    }
    index.Put(store_.cf(kNationalIds), std::string(NationalIdIndex::check_key()),
              national_ids_.check_value());
  }
  auto it = store_.iterate(store_.cf(kOrgs));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto org = store::StoredValue<wire::Organisation>::parse(it->value().ToString());
    if (!org || org->get().getErased()) continue;
    ++stage_.organisations;
    auto key = national_ids_.key(text_of(org->get().getRegistryId()));
    if (key.empty()) continue;
    if (!rebuild) {
      auto indexed = store_.get(store_.cf(kNationalIds), key);
      if (!indexed || indexed.value()) continue;
    }
    index.Put(store_.cf(kNationalIds), key, it->key().ToString());
  }
  if (index.Count() > 0) {
    if (auto indexed = store_.commit(index); !indexed) {
      throw std::runtime_error("national id index: " + describe(indexed.error()));
    }
  }
}

void Organisations::emit_org_public(wire::Organisation::Reader org) {
  staging_.events.push_back(log_.append<wire::OrgPublicEvent>(
      batch_.batch(), wire_type(wire::REGISTRY_ORG_PUBLIC),
      [&](auto event) { fill_public(event.initOrganisation(), org, false); }));
}

Result<std::optional<std::string>> Organisations::national_id_holder(wire::Organisation::Reader org,
                                                                     const std::string& id) {
  auto key = national_ids_.key(text_of(org.getRegistryId()));
  if (key.empty()) return std::optional<std::string>{};
  auto holder = batch_.get(store_.cf(kNationalIds), key);
  if (!holder) return holder.error();
  if (!holder.value() || *holder.value() == id) return std::optional<std::string>{};
  return holder.value();
}

void Organisations::index_national_id(const std::string& old_registry_id,
                                      wire::Organisation::Reader org) {
  auto old_key = national_ids_.key(old_registry_id);
  auto new_key = national_ids_.key(text_of(org.getRegistryId()));
  if (old_key == new_key && !org.getErased()) return;
  if (!old_key.empty()) batch_.del(store_.cf(kNationalIds), old_key);
  if (!new_key.empty() && !org.getErased()) {
    batch_.put(store_.cf(kNationalIds), new_key, text_of(org.getId()));
  }
}

// What a contact chose about its own alerts outlives an update of its organisation's
// record (outside findings, session 19: a broker re-sending the record from its CRM,
// with the consent as first granted, undid a one-click unsubscribe, and the next
// match was mailed). Matched by address, case-blind: a consent withdrawn stays
// withdrawn unless the update brings a grant made after the withdrawal; the alert
// channel and rhythm the update leaves empty stay as they were.
void Organisations::keep_contacts_choices(wire::Organisation::Reader old,
                                          wire::Organisation::Builder org) {
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  for (auto contact : org.getContacts()) {
    std::string email = lower(text_of(contact.getEmail()));
    for (auto before : old.getContacts()) {
      if (lower(text_of(before.getEmail())) != email) continue;
      if (contact.getAlertChannel().size() == 0 && before.getAlertChannel().size() > 0) {
        contact.setAlertChannel(before.getAlertChannel());
      }
      if (contact.getAlertRhythm().size() == 0 && before.getAlertRhythm().size() > 0) {
        contact.setAlertRhythm(before.getAlertRhythm());
      }
      for (auto consent : contact.getConsents()) {
        if (consent.getWithdrawnAtUs() != 0) continue;
        for (auto earlier : before.getConsents()) {
          if (earlier.getWithdrawnAtUs() == 0 ||
              text_of(earlier.getPurpose()) != text_of(consent.getPurpose()) ||
              text_of(earlier.getChannel()) != text_of(consent.getChannel())) {
            continue;
          }
          if (consent.getGrantedAtUs() <= earlier.getWithdrawnAtUs()) {
            consent.setWithdrawnAtUs(earlier.getWithdrawnAtUs());
          }
        }
      }
    }
  }
}

Result<std::string> Organisations::register_org(const service::Request& request, bool update) {
  auto input = request.envelope.payload<wire::OrgWrite>().getOrganisation();
  ScratchMessage message;
  message.setRoot(input);
  auto org = message.getRoot<wire::Organisation>();
  if (org.getCountry().size() == 0) org.setCountry(options_.country);
  if (auto valid = validate_organisation(org.asReader(), context()); !valid) return valid.error();

  int64_t now = now_us();
  std::string id = text_of(org.getId());
  // One organisation per national registry id: a second registration (a client's
  // retry under a new message id, say) is told which one exists.
  auto holder = national_id_holder(org.asReader(), id);
  if (!holder) return holder.error();
  if (holder.value()) {
    return fail(ErrorCode::CONFLICT,
                "national registry id " + text_of(org.getRegistryId()) +
                    " is already registered as " + *holder.value(),
                "registryId");
  }
  std::string old_registry_id;
  if (update) {
    auto existing = batch_.get(store_.cf(kOrgs), id);
    if (!existing) return existing.error();
    if (!existing.value()) return not_found("organisation", id);
    auto old = store::StoredValue<wire::Organisation>::parse(*existing.value());
    if (!old) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
    if (old->get().getErased()) return fail(ErrorCode::CONFLICT, "organisation was erased", "id");
    if (auto allowed = may_act_for(request.caller, old->get()); !allowed) return allowed.error();
    org.setCreatedUs(old->get().getCreatedUs());
    org.setManagedBy(old->get().getManagedBy());
    old_registry_id = text_of(old->get().getRegistryId());
    keep_contacts_choices(old->get(), org);
  } else {
    if (!id.empty()) return fail(ErrorCode::INVALID_FIELD, "is assigned by the registry", "id");
    id = organisation_id(options_.country, next_counter("org_seq"));
    org.setId(id);
    org.setCreatedUs(now);
    org.setManagedBy(request.caller.role == Role::integration ? request.caller.name : "");
    ++staging_.new_organisations;
  }
  org.setUpdatedUs(now);
  org.setSizeClass(size_class(org.getHeadcount(), org.getTurnoverEur(), org.getBalanceSheetEur()));
  // Derived from the type, like the size class: a caller's helix that disagreed with
  // it (an SME calling itself government) was stored and published (outside wave 4).
  org.setHelix(helix_of(org.getType()));
  org.setErased(false);
  batch_.put(store_.cf(kOrgs), id, store::to_bytes(message));
  index_national_id(old_registry_id, org.asReader());
  emit_org_public(org.asReader());
  actions_.record_action(request, update ? "org.update" : "org.register", id);
  request.reply_concerns(id);                      // the reply carries its contacts
  if (spdlog::should_log(spdlog::level::debug)) {  // the arguments cost on bulk imports
    spdlog::debug("registry: {} {} {} by {}", update ? "updated" : "registered", id,
                  text_of(org.getLegalName()), request.caller.user_id());
  }

  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ORG_REPLY));
  auto payload = reply.init_payload<wire::OrgReply>();
  if (request.envelope.payload<wire::OrgWrite>().getReceiptOnly()) {
    auto out = payload.initReceipt();
    out.setId(org.getId());
    out.setSizeClass(org.getSizeClass());
    out.setHelix(org.getHelix());
    out.setCreatedUs(org.getCreatedUs());
    out.setUpdatedUs(org.getUpdatedUs());
  } else {
    payload.setOrganisation(org.asReader());
  }
  return reply.encode();
}

Result<std::string> Organisations::set_contact_preferences(const service::Request& request) {
  auto input = request.envelope.payload<wire::ContactPreferences>();
  std::string id = text_of(input.getOrganisationId());
  auto stored = org_for(request, id, "organisationId");
  if (!stored) return stored.error();
  if (stored.value().get().getErased()) return not_found("organisation", id);
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  std::string email = lower(text_of(input.getContactEmail()));
  std::string rhythm = text_of(input.getRhythm());
  std::string channel = text_of(input.getChannel());
  std::string language = text_of(input.getLanguage());
  std::string purpose = text_of(input.getWithdrawConsent());
  if (!rhythm.empty() && rhythm != "immediate" && rhythm != "daily" && rhythm != "weekly") {
    return fail(ErrorCode::INVALID_FIELD, "immediate, daily or weekly", "rhythm");
  }
  if (!channel.empty() && channel != "email" && channel != "none") {
    return fail(ErrorCode::INVALID_FIELD, "email or none", "channel");
  }
  if (!language.empty() && !(options_.languages && options_.languages->contains(language))) {
    return fail(ErrorCode::INVALID_FIELD, "'" + language + "' is not an ISO 639-1 code",
                "language");
  }
  if (!purpose.empty() && !is_purpose(purpose)) {
    return fail(ErrorCode::INVALID_FIELD, "a purpose is 1-64 of a-z, 0-9, - and _",
                "withdrawConsent");
  }

  ScratchMessage message;
  message.setRoot(stored.value().get());
  auto org = message.getRoot<wire::Organisation>();
  auto contacts = org.getContacts();
  std::optional<unsigned> found;
  for (unsigned i = 0; i < contacts.size(); ++i) {
    if (lower(text_of(contacts[i].getEmail())) == email) found = i;
  }
  if (!found) return fail(ErrorCode::NOT_FOUND, "no such contact of " + id, "contactEmail");
  auto contact = contacts[*found];
  bool changed = false;
  auto set = [&](const std::string& wanted, capnp::Text::Reader held, auto setter) {
    if (wanted.empty() || text_of(held) == wanted) return;
    setter(wanted);
    changed = true;
  };
  set(rhythm, contact.getAlertRhythm(), [&](const std::string& v) { contact.setAlertRhythm(v); });
  set(channel, contact.getAlertChannel(),
      [&](const std::string& v) { contact.setAlertChannel(v); });
  set(language, contact.getPreferredLanguage(),
      [&](const std::string& v) { contact.setPreferredLanguage(v); });
  int64_t now = now_us();
  bool withdrawn_now = false;
  if (!purpose.empty()) {
    // A purpose no record names withdraws nothing: said, not logged as a withdrawal
    // (outside finding M5, issue 13: "--withdraw-consent notification" was).
    bool on_record = false;
    for (auto consent : contact.getConsents()) {
      if (text_of(consent.getPurpose()) != purpose) continue;
      on_record = true;
      if (consent.getWithdrawnAtUs() == 0) {
        consent.setWithdrawnAtUs(now);
        withdrawn_now = true;
      }
    }
    if (!on_record) {
      return fail(ErrorCode::NOT_FOUND, "the contact gave no consent for purpose '" + purpose + "'",
                  "withdrawConsent");
    }
  }
  // What changes nothing writes nothing: a used unsubscribe link posted again and
  // again is no synced write and no action-log line each (outside finding M7).
  if (changed || withdrawn_now) {
    org.setUpdatedUs(now);
    // No event: the public projection does not change, and contacts never travel.
    batch_.put(store_.cf(kOrgs), id, store::to_bytes(message));
    actions_.record_action(request, "contact.preferences", id,
                           withdrawn_now ? "consent withdrawn: " + purpose : "");
  }
  request.reply_concerns(id);
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ORG_REPLY));
  reply.init_payload<wire::OrgReply>().setOrganisation(org.asReader());
  return reply.encode();
}

Result<store::StoredValue<wire::Organisation>> Organisations::org_for(
    const service::Request& request, const std::string& id, const char* field) {
  auto bytes = batch_.get(store_.cf(kOrgs), id);
  if (!bytes) return bytes.error();
  if (!bytes.value()) return fail(ErrorCode::NOT_FOUND, "no organisation " + id, field);
  auto org = store::StoredValue<wire::Organisation>::parse(*bytes.value());
  if (!org) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
  if (auto allowed = may_act_for(request.caller, org->get()); !allowed) return allowed.error();
  return std::move(*org);
}

Result<std::string> Organisations::get_org(const service::Request& request) {
  std::string id = request.envelope.payload<wire::OrgGet>().getId();
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ORG_REPLY));
  auto own = batch_.get(store_.cf(kOrgs), id);
  if (!own) return own.error();
  if (!own.value()) return not_found("organisation", id);
  auto org = store::StoredValue<wire::Organisation>::parse(*own.value());
  if (!org) return fail(ErrorCode::INTERNAL, "stored organisation unreadable");
  if (org->get().getErased()) return not_found("organisation", id);
  auto out = reply.init_payload<wire::OrgReply>();
  out.setOrganisation(org->get());
  // Personal data is for those who act on the organisation, not for monitors.
  if (!sees_contacts(request.caller, org->get())) out.getOrganisation().initContacts(0);
  return reply.encode();
}

Result<std::string> Organisations::list_orgs(const service::Request& request) {
  auto query = request.envelope.payload<wire::OrgQuery>();
  uint32_t limit = query.getLimit() == 0 ? 100 : std::min(query.getLimit(), options_.max_page);
  std::string country = query.getCountry();
  std::string nace = query.getNacePrefix();
  std::string domain = query.getDomain();
  std::string keyword = query.getKeyword();
  // Read once: every read of a request field counts against its reader's traversal
  // limit, which a scan over thousands of records would otherwise exhaust.
  std::string after = query.getAfterId();
  auto matches_lists = [&](auto naces, auto domains, auto keywords) {
    auto has = [](auto list, const std::string& wanted, bool prefix) {
      if (wanted.empty()) return true;
      for (auto item : list) {
        std::string_view text(item.cStr(), item.size());
        if (prefix ? text.rfind(wanted, 0) == 0 : text == wanted) return true;
      }
      return false;
    };
    return has(naces, nace, true) && has(domains, domain, false) && has(keywords, keyword, false);
  };

  ScratchMessage scratch;
  std::vector<std::string> own, replicas;
  std::string last;
  auto scan = [&](const char* cf, std::vector<std::string>& out, auto parse_check) {
    auto it = store_.iterate(store_.cf(cf));
    for (it->Seek(after); it->Valid() && out.size() < limit; it->Next()) {
      if (it->key().ToStringView() == after) continue;
      if (parse_check(it->value().ToStringView())) {
        out.push_back(it->value().ToString());
        last = std::max(last, it->key().ToString());
      }
    }
  };
  wire::OrgType type = query.getType();
  if (country.empty() || country == options_.country) {
    scan(kOrgs, own, [&](std::string_view bytes) {
      auto org = store::StoredValue<wire::Organisation>::parse(bytes);
      if (!org || org->get().getErased()) return false;
      auto o = org->get();
      return (type == wire::OrgType::UNKNOWN || o.getType() == type) &&
             matches_lists(o.getNaceCodes(), o.getDomains(), o.getKeywords());
    });
  }
  if (country != options_.country && keyword.empty()) {
    scan(kReplicaOrgs, replicas, [&](std::string_view bytes) {
      auto org = store::StoredValue<wire::PublicOrganisation>::parse(bytes);
      if (!org || org->get().getErased()) return false;
      auto o = org->get();
      if (!country.empty() && std::string_view(o.getCountry().cStr()) != country) return false;
      return (type == wire::OrgType::UNKNOWN || o.getType() == type) &&
             matches_lists(o.getNaceCodes(), o.getDomains(), capnp::List<capnp::Text>::Reader());
    });
  }
  auto reply = service::make_reply(info_, request, wire_type(wire::REGISTRY_ORG_PAGE));
  auto page = reply.init_payload<wire::OrgPage>();
  auto orgs = page.initOrganisations(static_cast<unsigned>(own.size()));
  for (unsigned i = 0; i < own.size(); ++i) {
    auto org = store::StoredValue<wire::Organisation>::parse(own[i]);
    orgs.setWithCaveats(i, org->get());
    if (!sees_contacts(request.caller, orgs[i].asReader())) orgs[i].initContacts(0);
  }
  auto reps = page.initReplicas(static_cast<unsigned>(replicas.size()));
  for (unsigned i = 0; i < replicas.size(); ++i) {
    reps.setWithCaveats(i, store::StoredValue<wire::PublicOrganisation>::parse(replicas[i])->get());
  }
  if (own.size() >= limit || replicas.size() >= limit) page.setNextAfterId(last);
  return reply.encode();
}

}  // namespace gosmart::registry
