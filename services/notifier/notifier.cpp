#include "services/notifier/notifier.hpp"

#include <capnp/message.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "common/core/break_point.hpp"
#include "common/reference/formats.hpp"
#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "services/notifier/domain/digest.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/renewal.hpp"
#include "services/notifier/domain/webhook.hpp"
#include "services/notifier/recipients.hpp"
#include "services/notifier/webhook_request.hpp"

namespace gosmart::notifier {

using reference::text_of;

using config::Role;

std::vector<std::string> notifier_column_families() {
  auto families = replication::event_log_column_families();
  for (const char* name : {kTriggersCf, kOutboxCf, kKeysCf, kDeadCf, kRegistryCursorsCf,
                           kMatchingCursorsCf, kPendingUnsubscribesCf, kRemindersCf, kWebhooksCf,
                           kDigestItemsCf, kDigestDueCf, kMatchSidesCf, kSendMarksCf}) {
    families.push_back(name);
  }
  return families;
}

namespace {

// A pending unsubscribe's value once the registry has it: "passed:<time>" (see
// pass_on_unsubscribes); an empty value is one still to pass on.
constexpr std::string_view kPassedMark = "passed:";
bool passed_on(const std::string& value) {
  return value.rfind(kPassedMark, 0) == 0;
}

template <class T>
std::optional<store::StoredValue<T>> parse_stored(const std::string& bytes) {
  return store::StoredValue<T>::parse(bytes);
}

bool is_error(const DecodedEnvelope& reply) {
  return reply.header().type == "error";
}

// The registry's organisation, copied out of its reply: a reader counts every read
// against its traversal limit, and one reply read for a thousand triggers would
// exceed it. Nothing when the registry does not answer (or answers unreadably); a
// null copy when it refused (erased, not this notifier's to read).
std::optional<std::unique_ptr<capnp::MallocMessageBuilder>> organisation_copy(
    const std::optional<DecodedEnvelope>& answer, const std::string& org_id) {
  if (!answer) return std::nullopt;
  std::unique_ptr<capnp::MallocMessageBuilder> copy;
  if (is_error(*answer)) return copy;
  try {
    copy = std::make_unique<capnp::MallocMessageBuilder>();
    copy->setRoot(answer->payload<wire::OrgReply>().getOrganisation());
  } catch (const kj::Exception&) {
    spdlog::error("notifier: the registry's answer about {} is unreadable", org_id);
    return std::nullopt;
  }
  return copy;
}

void fill_trigger(wire::NotificationTrigger::Builder out, const Trigger& trigger) {
  out.setKey(trigger.key);
  out.setKind(trigger.kind);
  out.setOrganisationId(trigger.organisation_id);
  nlohmann::json model = trigger.model;
  if (!trigger.profile_to_read.empty()) model["_readProfile"] = trigger.profile_to_read;
  out.setModel(model.dump());
  out.setAtUs(trigger.at_us);
}

}  // namespace

NotifierCore::NotifierCore(store::Store& store, replication::EventLog& log,
                           replication::Publisher* publisher, const Templates& templates,
                           const LinkTokens& tokens, NotifierOptions options)
    : store_(store),
      log_(log),
      publisher_(publisher),
      templates_(templates),
      tokens_(tokens),
      options_(std::move(options)),
      queue_(store, kOutboxCf) {
  if (options_.recipient_per_hour > 0) {
    per_recipient_ = std::make_unique<RateLimiter>(options_.recipient_per_hour / 3600.0,
                                                   std::max(1.0, options_.recipient_burst));
  }
  if (options_.server_per_second > 0) {
    per_server_ = std::make_unique<RateLimiter>(options_.server_per_second,
                                                std::max(1.0, options_.server_burst));
  }
  // The keys of the triggers that waited when the service stopped (keys only).
  auto waiting = store_.iterate(store_.cf(kTriggersCf));
  for (waiting->SeekToFirst(); waiting->Valid(); waiting->Next()) {
    waiting_triggers_.insert(waiting->key().ToString());
  }
}

Status NotifierCore::apply(const DecodedEnvelope& event, store::StagingBatch& batch) {
  try {
    if (event.header().type == wire_type(wire::REGISTRY_ORG_ERASED) &&
        event.header().origin_country == options_.country) {
      purge_organisation(text_of(event.payload<wire::OrgErasedEvent>().getOrganisationId()), batch);
      return {};
    }
    if (event.header().type == wire_type(wire::MATCHING_MATCH_RETRACTED) &&
        event.header().origin_country == options_.country) {
      return apply_retraction(event, batch);
    }
    for (const auto& trigger : triggers_of(event, options_.country)) {
      if (auto staged = stage_trigger(trigger, batch); !staged) return staged;
      if (trigger.kind == "match_found") {
        capnp::MallocMessageBuilder side;
        fill_trigger(side.initRoot<wire::NotificationTrigger>(), trigger);
        batch.put(
            store_.cf(kMatchSidesCf),
            trigger.model["match"].value("id", "") + "|" + trigger.model["profile"].value("id", ""),
            store::to_bytes(side));
      }
    }
    for (const auto& reminder :
         reminders_of(event, options_.country, options_.reminder_days, options_.time_zone)) {
      capnp::MallocMessageBuilder message;
      fill_trigger(message.initRoot<wire::NotificationTrigger>(), reminder.trigger);
      std::string key =
          store::keys::u64(static_cast<uint64_t>(std::max<int64_t>(0, reminder.due_us)));
      key += reminder.trigger.profile_to_read + "|" + std::to_string(reminder.days);
      batch.put(store_.cf(kRemindersCf), key, store::to_bytes(message));
    }
  } catch (const kj::Exception&) {
    return fail(ErrorCode::MALFORMED, "unreadable " + event.header().type + " event");
  }
  return {};
}

Status NotifierCore::stage_trigger(const Trigger& trigger, store::StagingBatch& batch) {
  // Told once: a trigger resolved before (a match announced again, an event read
  // again after a restore) is not told again.
  auto done = batch.get(store_.cf(kKeysCf), trigger.key);
  if (!done) return done.error();
  if (done.value()) return {};
  capnp::MallocMessageBuilder message;
  fill_trigger(message.initRoot<wire::NotificationTrigger>(), trigger);
  batch.put(store_.cf(kTriggersCf), trigger.key, store::to_bytes(message));
  waiting_triggers_.insert(trigger.key);
  triggers_staged_ = true;
  return {};
}

Status NotifierCore::apply_retraction(const DecodedEnvelope& event, store::StagingBatch& batch) {
  auto retracted = event.payload<wire::MatchRetractedEvent>();
  std::string prefix = text_of(retracted.getMatchId()) + "|";
  std::vector<std::pair<std::string, std::string>> sides;
  {
    auto it = batch.iterate(store_.cf(kMatchSidesCf));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      sides.emplace_back(it->key().ToString(), it->value().ToString());
    }
  }
  for (const auto& [key, bytes] : sides) {
    batch.del(store_.cf(kMatchSidesCf), key);
    auto stored = parse_stored<wire::NotificationTrigger>(bytes);
    if (!stored) continue;
    std::string found_key = text_of(stored->get().getKey());
    // Not told yet: then it is not told at all, and nothing needs taking back.
    auto waiting = batch.get(store_.cf(kTriggersCf), found_key);
    if (!waiting) return waiting.error();
    if (waiting.value()) {
      batch.del(store_.cf(kTriggersCf), found_key);
      continue;
    }
    auto told = batch.get(store_.cf(kKeysCf), found_key);
    if (!told) return told.error();
    if (!told.value()) continue;
    Trigger trigger;
    trigger.key = "retracted:" + found_key.substr(found_key.find(':') + 1);
    trigger.kind = "match_retracted";
    trigger.organisation_id = text_of(stored->get().getOrganisationId());
    trigger.at_us = event.header().timestamp_us;
    trigger.model = nlohmann::json::parse(text_of(stored->get().getModel()), nullptr, false);
    if (trigger.model.is_discarded()) continue;
    trigger.model["reason"] = text_of(retracted.getReason());
    if (auto staged = stage_trigger(trigger, batch); !staged) return staged;
  }
  return {};
}

void NotifierCore::committed() {
  // A purge is only a delete until compaction: the rendered messages (addresses,
  // titles) stay in the WAL and older SSTs until the scrub rewrites them (outside
  // findings, notifier wave: an erased contact's address found weeks later).
  if (purge_staged_) scrubber_.request();
  purge_staged_ = false;
  if (!triggers_staged_) return;
  triggers_staged_ = false;
  if (on_triggers_) on_triggers_();
}

void NotifierCore::purge_organisation(const std::string& org_id, store::StagingBatch& batch) {
  // Erasure: nothing of the organisation's contacts waits here any longer, nor is
  // its copy read again for a trigger that comes after.
  contacts_.erase(org_id);
  std::size_t purged = 0;
  for (const char* cf : {kTriggersCf, kRemindersCf, kMatchSidesCf, kOutboxCf, kDeadCf}) {
    auto it = batch.iterate(store_.cf(cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string bytes = it->value().ToString();
      std::string org;
      if (cf == std::string(kTriggersCf) || cf == std::string(kRemindersCf) ||
          cf == std::string(kMatchSidesCf)) {
        if (auto t = parse_stored<wire::NotificationTrigger>(bytes)) {
          org = text_of(t->get().getOrganisationId());
        }
      } else if (auto n = parse_stored<wire::Notification>(bytes)) {
        org = text_of(n->get().getOrganisationId());
      }
      if (org == org_id) {
        batch.del(store_.cf(cf), it->key().ToString());
        ++purged;
      }
    }
  }
  for (const char* cf : {kDigestItemsCf, kDigestDueCf}) {
    auto held = batch.iterate(store_.cf(cf));
    for (held->SeekToFirst(); held->Valid(); held->Next()) {
      std::string key = held->key().ToString();
      auto parts = key.find('|');
      std::string owner = key.substr(parts + 1, key.find('|', parts + 1) - parts - 1);
      if (parts != std::string::npos && owner == org_id) {
        batch.del(store_.cf(cf), key);
        ++purged;
      }
    }
  }
  std::string prefix = org_id + "|";
  for (const char* cf : {kPendingUnsubscribesCf, kWebhooksCf}) {
    auto kept = batch.iterate(store_.cf(cf));
    for (kept->Seek(prefix); kept->Valid() && kept->key().starts_with(prefix); kept->Next()) {
      batch.del(store_.cf(cf), kept->key().ToString());
      ++purged;
    }
  }
  purge_staged_ = true;
  spdlog::info("notifier: {} erased: {} waiting message(s) and trigger(s) removed", org_id, purged);
}

std::string NotifierCore::unsubscribe_url(const std::string& org_id,
                                          const std::string& email) const {
  LinkClaim claim;
  claim.action = "unsubscribe";
  claim.org_id = org_id;
  claim.subject = recipient_tag(email);
  claim.expires_us = now_us() + options_.link_lifetime_us;
  return options_.public_url + "/u/" + tokens_.sign(claim);
}

void NotifierCore::stage_webhooks(rocksdb::WriteBatch& batch, const std::string& trigger_key,
                                  const std::string& kind, const std::string& org_id,
                                  const nlohmann::json& model) {
  std::string prefix = org_id + "|";
  auto it = store_.iterate(store_.cf(kWebhooksCf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto hook = parse_stored<wire::Webhook>(it->value().ToString());
    if (!hook) continue;
    std::string id = text_of(hook->get().getId());
    std::string idempotency = trigger_key + "|" + id + "|webhook";
    auto seen = store_.get(store_.cf(kKeysCf), idempotency);
    if (seen && seen.value()) continue;
    // What the portal's system reads: the kind and the model the mail is made from
    // (the node's own organisation and the partner's public profile; no contact).
    nlohmann::json body = {
        {"type", "gosmart." + kind},
        {"timestamp", now_us() / 1'000'000},
        {"data",
         {{"key", trigger_key}, {"organisationId", org_id}, {"kind", kind}, {"details", model}}}};
    capnp::MallocMessageBuilder message;
    auto n = message.initRoot<wire::Notification>();
    n.setKey(idempotency);
    n.setKind(kind);
    n.setOrganisationId(org_id);
    n.setChannel("webhook");
    n.setRecipient(hook->get().getUrl());
    n.setWebhookId(id);
    n.setText(body.dump());
    n.setCreatedUs(now_us());
    n.setTransactional(true);  // the portal's system asked for it: no contact's consent
    batch.Put(store_.cf(kKeysCf), idempotency, "queued");
    uint64_t hash = std::stoull(recipient_tag(id).substr(0, 12), nullptr, 16);
    queue_.stage(
        batch,
        "hook-" + std::to_string(hash % static_cast<uint64_t>(std::max(1, options_.concurrency))),
        store::to_bytes(message));
  }
}

void NotifierCore::queue_mail(rocksdb::WriteBatch& batch, const MailHeader& mail,
                              const Rendered& rendered) {
  capnp::MallocMessageBuilder message;
  auto n = message.initRoot<wire::Notification>();
  n.setKey(mail.key);
  n.setKind(mail.kind);
  n.setOrganisationId(mail.org_id);
  n.setChannel("email");
  n.setRecipient(mail.email);
  n.setLanguage(rendered.language);
  n.setSubject(rendered.subject);
  n.setText(rendered.text);
  n.setHtml(rendered.html);
  n.setUnsubscribeUrl(mail.unsubscribe);
  n.setCreatedUs(now_us());
  n.setTransactional(mail.transactional);
  batch.Put(store_.cf(kKeysCf), mail.key, "queued");
  queue_.stage(batch, destination_of(mail.email), store::to_bytes(message));
}

void NotifierCore::hold_for_digest(rocksdb::WriteBatch& batch, const std::string& idempotency,
                                   const std::string& kind, const std::string& org_id,
                                   const Recipient& recipient, const Rendered& rendered,
                                   const nlohmann::json& model) {
  std::string holder = recipient_tag(recipient.email) + "|" + org_id;
  std::string line = digest_line(model);
  // What it is about: its trigger (the idempotency key's first part), but one
  // profile published again is the same news.
  std::string about = idempotency.substr(0, idempotency.find('|'));
  if (kind == "profile_published") about = about.substr(0, about.rfind(':'));
  nlohmann::json item = {{"kind", kind},
                         {"subject", rendered.subject},
                         {"text", line},
                         {"atUs", now_us()},
                         {"email", recipient.email},
                         {"language", recipient.language},
                         {"org", org_id},
                         {"about", about}};
  batch.Put(store_.cf(kDigestItemsCf), holder + "|" + idempotency, item.dump());
  batch.Put(store_.cf(kKeysCf), idempotency, "held");
  // The holder's next digest: at its rhythm's next time, or sooner if its rhythm
  // changed to a shorter one since the first alert was held (outside findings: a
  // weekly contact turned daily still waited for the week).
  auto due = store_.get(store_.cf(kDigestDueCf), holder);
  if (due && !digest_due_staged_.count(holder)) {
    auto rhythm = recipient.rhythm == "weekly" ? Rhythm::weekly : Rhythm::daily;
    int64_t at = next_digest_due_us(rhythm, now_us(), options_.time_zone);
    auto kept = due.value() ? store::keys::read_u64(*due.value()) : std::nullopt;
    if (!kept || static_cast<int64_t>(*kept) > at) {
      batch.Put(store_.cf(kDigestDueCf), holder, store::keys::u64(static_cast<uint64_t>(at)));
    }
    digest_due_staged_.insert(holder);
  }
}

std::size_t NotifierCore::send_due_digests(int64_t now) {
  std::vector<std::string> holders;
  {
    auto it = store_.iterate(store_.cf(kDigestDueCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto at = store::keys::read_u64(it->value().ToString()).value_or(0);
      if (static_cast<int64_t>(at) <= now) holders.push_back(it->key().ToString());
    }
  }
  std::size_t sent = 0;
  for (const auto& holder : holders) {
    rocksdb::WriteBatch batch;
    batch.Delete(store_.cf(kDigestDueCf), holder);
    std::vector<PendingAlert> alerts;
    std::string email, language, org_id;
    auto it = store_.iterate(store_.cf(kDigestItemsCf));
    std::string prefix = holder + "|";
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      batch.Delete(store_.cf(kDigestItemsCf), it->key().ToString());
      auto item = nlohmann::json::parse(it->value().ToString(), nullptr, false);
      if (item.is_discarded()) continue;
      alerts.push_back({item.value("kind", ""), item.value("subject", ""), item.value("text", ""),
                        item.value("atUs", int64_t{0}), item.value("about", "")});
      email = item.value("email", "");
      language = item.value("language", "en");
      org_id = item.value("org", "");
    }
    if (!alerts.empty() && !email.empty()) {
      nlohmann::json model = digest_model(alerts);
      model["links"]["unsubscribe"] = unsubscribe_url(org_id, email);
      std::string key = "digest:" + holder + ":" + std::to_string(now) + "|email";
      try {
        auto rendered = templates_.render("digest", language, model, options_.time_zone);
        queue_mail(
            batch,
            {key, "digest", org_id, email, model["links"]["unsubscribe"].get<std::string>(), false},
            rendered);
        ++sent;
      } catch (const std::exception& e) {
        spdlog::error("notifier: a digest for {} cannot be rendered: {}", org_id, e.what());
      }
    }
    if (auto stored = store_.commit(batch); !stored) {
      spdlog::error("notifier: a digest was not stored: {}", describe(stored.error()));
      return sent;
    }
  }
  return sent;
}

std::optional<std::string> NotifierCore::webhook_secret(const std::string& org_id,
                                                        const std::string& webhook_id) const {
  auto bytes = store_.get(store_.cf(kWebhooksCf), org_id + "|" + webhook_id);
  if (!bytes || !bytes.value()) return std::nullopt;
  auto hook = parse_stored<wire::Webhook>(*bytes.value());
  if (!hook) return std::nullopt;
  return text_of(hook->get().getSecret());
}

std::string NotifierCore::renew_url(const std::string& org_id, const std::string& profile_id,
                                    const std::string& expires_on, const std::string& email) const {
  LinkClaim claim;
  claim.action = "renew";
  claim.org_id = org_id;
  // The date the message was about: the link renews only a profile still ending
  // then, so it is good once and never undoes a broker's later extension.
  claim.subject = renewal_subject(profile_id, expires_on);
  // Which contact clicks does not matter to a renewal; it keeps links per recipient.
  claim.contact = static_cast<uint32_t>(std::stoul(recipient_tag(email).substr(0, 8), nullptr, 16));
  claim.expires_us = now_us() + options_.link_lifetime_us;
  return options_.public_url + "/r/" + tokens_.sign(claim);
}

std::size_t NotifierCore::fire_due_reminders(int64_t now) {
  // The due ones; per profile the latest due is kept (the one nearest the expiry).
  std::map<std::string, std::pair<std::string, std::string>> latest;  // profile -> key, value
  std::vector<std::string> due;
  {
    auto it = store_.iterate(store_.cf(kRemindersCf));
    for (it->SeekToFirst(); it->Valid() && due.size() < 1024; it->Next()) {
      auto key = it->key().ToString();
      if (key.size() < 10) continue;
      auto due_us = store::keys::read_u64(std::string_view(key).substr(0, 8)).value_or(0);
      if (static_cast<int64_t>(due_us) > now) break;
      due.push_back(key);
      std::string profile = key.substr(8, key.rfind('|') - 8);
      latest[profile] = {key, it->value().ToString()};
    }
  }
  if (due.empty()) return 0;
  rocksdb::WriteBatch batch;
  for (const auto& key : due) batch.Delete(store_.cf(kRemindersCf), key);
  std::size_t made = 0;
  for (const auto& [profile, entry] : latest) {
    auto stored = parse_stored<wire::NotificationTrigger>(entry.second);
    if (!stored) continue;
    auto t = stored->get();
    nlohmann::json model = nlohmann::json::parse(text_of(t.getModel()), nullptr, false);
    if (model.is_discarded() || !model.contains("profile")) continue;
    std::string last_day = model["profile"].value("expiresOn", "");
    int64_t ends = 0;
    try {
      ends = local_day_us(last_day, 1, 0, options_.time_zone);
    } catch (const std::invalid_argument&) {
      continue;
    }
    if (ends <= now) continue;  // expired meanwhile: profile_expired tells that
    // The days left now, the last day counted: 08:00 seven days before it is 7.
    constexpr int64_t kDay = 86'400'000'000;
    model["days"] = (ends - now - 1) / kDay;
    std::string key = text_of(t.getKey());
    auto told = store_.get(store_.cf(kKeysCf), key);
    if (!told) return 0;
    if (told.value()) continue;
    capnp::MallocMessageBuilder message;
    message.setRoot(t);
    message.getRoot<wire::NotificationTrigger>().setModel(model.dump());
    batch.Put(store_.cf(kTriggersCf), key, store::to_bytes(message));
    waiting_triggers_.insert(key);
    ++made;
  }
  if (auto stored = store_.commit(batch); !stored) {
    spdlog::error("notifier: due reminders not stored: {}", describe(stored.error()));
    return 0;
  }
  if (made > 0 && on_triggers_) on_triggers_();
  return made;
}

std::vector<std::string> NotifierCore::destinations() const {
  std::vector<std::string> out;
  for (int i = 0; i < std::max(1, options_.concurrency); ++i) {
    out.push_back("mail-" + std::to_string(i));
    out.push_back("hook-" + std::to_string(i));
  }
  return out;
}

std::string NotifierCore::destination_of(const std::string& recipient) const {
  auto tag = recipient_tag(recipient);
  uint64_t hash = std::stoull(tag.substr(0, 12), nullptr, 16);
  return "mail-" + std::to_string(hash % static_cast<uint64_t>(std::max(1, options_.concurrency)));
}

std::optional<std::shared_ptr<capnp::MallocMessageBuilder>> NotifierCore::known_organisation(
    RegistryReader& registry, const std::string& org_id) {
  int64_t now = now_us();
  if (!known_fresh(org_id, now)) {
    auto copy = organisation_copy(registry.organisation(org_id), org_id);
    if (!copy) return std::nullopt;
    return remember_organisation(org_id, std::move(*copy), now)->second.org;
  }
  return contacts_.at(org_id).org;
}

bool NotifierCore::known_fresh(const std::string& org_id, int64_t now) const {
  auto known = contacts_.find(org_id);
  return known != contacts_.end() &&
         now - known->second.read_at_us <= options_.contacts_fresh_for_us;
}

std::map<std::string, NotifierCore::KnownContacts>::iterator NotifierCore::remember_organisation(
    const std::string& org_id, std::unique_ptr<capnp::MallocMessageBuilder> copy, int64_t now) {
  KnownContacts fresh;
  fresh.read_at_us = now;
  fresh.org = std::move(copy);
  if (contacts_.size() >= 4096) contacts_.clear();  // bounded; refilled on demand
  return contacts_.insert_or_assign(org_id, std::move(fresh)).first;
}

void NotifierCore::read_ahead(RegistryReader& registry, const std::vector<outbox::Entry>& run) {
  int64_t now = now_us();
  std::vector<std::string> orgs;
  for (const auto& entry : run) {
    auto stored = parse_stored<wire::Notification>(entry.payload);
    if (!stored) continue;
    auto n = stored->get();
    if (text_of(n.getChannel()) == "webhook") continue;  // its gate asks no registry
    std::string org_id = text_of(n.getOrganisationId());
    if (!known_fresh(org_id, now) && std::find(orgs.begin(), orgs.end(), org_id) == orgs.end()) {
      orgs.push_back(org_id);
    }
  }
  remember_organisations(registry, orgs, now);
}

void NotifierCore::remember_organisations(RegistryReader& registry,
                                          const std::vector<std::string>& orgs, int64_t now) {
  auto answers = registry.organisations(orgs);
  for (std::size_t i = 0; i < orgs.size() && i < answers.size(); ++i) {
    if (auto copy = organisation_copy(answers[i], orgs[i])) {
      remember_organisation(orgs[i], std::move(*copy), now);
    }
  }
}

void NotifierCore::read_ahead(RegistryReader& registry, const std::vector<std::string>& triggers,
                              std::map<std::string, std::optional<DecodedEnvelope>>& profiles) {
  int64_t now = now_us();
  std::vector<std::string> orgs;
  std::vector<std::string> profile_ids;
  for (const auto& bytes : triggers) {
    auto stored = parse_stored<wire::NotificationTrigger>(bytes);
    if (!stored) continue;
    auto trigger = stored->get();
    std::string org_id = text_of(trigger.getOrganisationId());
    if (!known_fresh(org_id, now) && std::find(orgs.begin(), orgs.end(), org_id) == orgs.end()) {
      orgs.push_back(org_id);
    }
    // Only a model that names a profile to read is parsed here.
    std::string_view model = trigger.getModel().cStr();
    if (model.find("\"_readProfile\"") == std::string_view::npos) continue;
    auto parsed = nlohmann::json::parse(model, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("_readProfile")) continue;
    auto id = parsed["_readProfile"].get<std::string>();
    if (!profiles.contains(id) &&
        std::find(profile_ids.begin(), profile_ids.end(), id) == profile_ids.end()) {
      profile_ids.push_back(id);
    }
  }
  remember_organisations(registry, orgs, now);
  auto profile_answers = registry.profiles(profile_ids);
  for (std::size_t i = 0; i < profile_ids.size() && i < profile_answers.size(); ++i) {
    if (profile_answers[i]) profiles.emplace(profile_ids[i], std::move(profile_answers[i]));
  }
}

std::size_t NotifierCore::resolve(RegistryReader& registry, std::size_t limit,
                                  std::chrono::microseconds budget) {
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> triggers;
  // From where the last round stopped, then from the start up to there, in the keys
  // kept in memory (waiting_triggers_): a store iterator stepped over every trigger
  // resolved (deleted, not yet compacted away) before the first waiting one, and a
  // burst's keys (profile and match ids) land before the cursor as often as after.
  auto take = [&](const std::string& key) {
    auto stored = store_.get(store_.cf(kTriggersCf), key);
    if (!stored) return false;
    if (!stored.value()) {
      waiting_triggers_.erase(key);  // resolved, retracted or purged meanwhile
      return true;
    }
    triggers.push_back(std::move(*stored.value()));
    return true;
  };
  {
    std::vector<std::string> keys;
    for (auto it = waiting_triggers_.lower_bound(resolve_from_);
         it != waiting_triggers_.end() && keys.size() < limit; ++it) {
      keys.push_back(*it);
    }
    for (auto it = waiting_triggers_.begin();
         it != waiting_triggers_.end() && keys.size() < limit && *it < resolve_from_; ++it) {
      keys.push_back(*it);
    }
    for (const auto& key : keys) {
      if (!take(key)) return 0;  // the store is failing: the triggers wait
    }
  }
  std::string resume_at;  // the next round's first key
  std::vector<std::string> resolved;
  rocksdb::WriteBatch batch;
  std::size_t settled = 0;
  // The registry's answers for a run of triggers are asked all at once, before the
  // run: one round trip for the run instead of one or two a trigger (the loop waited
  // on each, its lanes with it).
  constexpr std::size_t kReadAhead = 32;
  std::map<std::string, std::optional<DecodedEnvelope>> profiles;
  for (std::size_t index = 0; index < triggers.size(); ++index) {
    const auto& bytes = triggers[index];
    // The next round starts here (resume_at is past the last one settled).
    if (settled > 0 && std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - started) >= budget) {
      break;
    }
    if (index % kReadAhead == 0) {
      auto end = std::min(triggers.size(), index + kReadAhead);
      read_ahead(registry,
                 std::vector<std::string>(triggers.begin() + static_cast<std::ptrdiff_t>(index),
                                          triggers.begin() + static_cast<std::ptrdiff_t>(end)),
                 profiles);
    }
    auto stored = parse_stored<wire::NotificationTrigger>(bytes);
    if (!stored) continue;  // cannot happen: written by this service
    auto trigger = stored->get();
    std::string key = text_of(trigger.getKey());
    std::string kind = text_of(trigger.getKind());
    std::string org_id = text_of(trigger.getOrganisationId());
    resume_at = key;  // still waiting if this one breaks the round
    // The gate's copy, read at most contacts_fresh_for ago: a burst (an import, a
    // day's matches) often tells one organisation several things, and resolved in
    // slices it asked again each slice. The gate asks again before the send anyway.
    auto known = known_organisation(registry, org_id);
    if (!known) break;  // the registry does not answer: the trigger waits
    auto organisation = std::move(*known);
    nlohmann::json model = nlohmann::json::parse(text_of(trigger.getModel()), nullptr, false);
    if (model.is_discarded()) model = nlohmann::json::object();
    bool stale = false;
    if (model.contains("_readProfile")) {
      auto profile_id = model["_readProfile"].get<std::string>();
      auto read = profiles.find(profile_id);
      if (read == profiles.end())
        read = profiles.emplace(profile_id, registry.profile(profile_id)).first;
      const auto& profile_reply = read->second;
      if (!profile_reply) {
        profiles.erase(read);
        break;
      }
      if (!is_error(*profile_reply)) {
        try {
          auto profile = profile_reply->payload<wire::ProfileReply>().getProfile();
          // A reminder of a date the profile no longer has (renewed, withdrawn,
          // expired): nothing to remind of.
          if (kind == "profile_expiring" &&
              (profile.getStatus() != wire::ProfileStatus::PUBLISHED ||
               text_of(profile.getExpiresOn()) != model["profile"].value("expiresOn", ""))) {
            stale = true;
          }
          model["profile"]["title"] = text_of(profile.getTitle());
          model["profile"]["expiresOn"] = text_of(profile.getExpiresOn());
          if (kind == "profile_returned") model["comment"] = text_of(profile.getRevisionComment());
        } catch (const kj::Exception&) {
          spdlog::error("notifier: the registry's answer about a profile of {} is unreadable",
                        org_id);
        }
      }
      model.erase("_readProfile");
    }
    ++settled;
    resume_at = key + '\0';  // the key right after this one
    batch.Delete(store_.cf(kTriggersCf), key);
    resolved.push_back(key);
    batch.Put(store_.cf(kKeysCf), key, "resolved");
    if (stale) {
      spdlog::info("notifier: {} for {} dropped: the profile changed meanwhile", kind, org_id);
      continue;
    }
    if (!organisation) {
      // Gone (erased) or not this notifier's to read: nobody to tell.
      spdlog::info("notifier: {} for {} dropped: the registry refused to name its contacts", kind,
                   org_id);
      continue;
    }
    auto org = organisation->getRoot<wire::Organisation>().asReader();
    model["org"]["name"] = text_of(org.getLegalName());
    model["org"]["id"] = org_id;
    for (const auto& recipient : recipients_of(org, kind)) {
      std::string idempotency = key + "|" + recipient_tag(recipient.email) + "|email";
      auto seen = store_.get(store_.cf(kKeysCf), idempotency);
      if (seen && seen.value()) continue;
      nlohmann::json personal = model;
      std::string unsubscribe;
      if (!recipient.transactional) {
        unsubscribe = unsubscribe_url(org_id, recipient.email);
        personal["links"]["unsubscribe"] = unsubscribe;
      }
      if ((kind == "profile_expiring" || kind == "profile_expired") && model.contains("profile")) {
        std::string profile_id = model["profile"].value("id", "");
        if (!profile_id.empty()) {
          personal["links"]["renew"] = renew_url(
              org_id, profile_id, model["profile"].value("expiresOn", ""), recipient.email);
        }
      }
      Rendered rendered;
      try {
        rendered = templates_.render(kind, recipient.language, personal, options_.time_zone);
      } catch (const std::exception& e) {
        spdlog::error("notifier: {} for {} cannot be rendered: {}", kind, org_id, e.what());
        continue;
      }
      if (!recipient.transactional && !skips_digest(kind) &&
          (recipient.rhythm == "daily" || recipient.rhythm == "weekly")) {
        hold_for_digest(batch, idempotency, kind, org_id, recipient, rendered, model);
        continue;
      }
      queue_mail(batch,
                 {idempotency, kind, org_id, recipient.email, unsubscribe, recipient.transactional},
                 rendered);
    }
    stage_webhooks(batch, key, kind, org_id, model);
  }
  digest_due_staged_.clear();
  if (batch.Count() > 0) {
    // No delivery event in it: stored alone, the settles' batch and its events wait.
    // Into the WAL without waiting for the disk (a fsync a slice halved the making):
    // the triggers' removal rides in the same batch, so a machine crash that loses
    // it brings the triggers back to be resolved again, under the same keys; the
    // next synced write (publish_durable, a subscriber's batch) makes it durable.
    if (auto stored = store_.commit(batch, store::Durability::no_sync); !stored) {
      spdlog::error("notifier: resolved messages not stored: {}", describe(stored.error()));
      return 0;
    }
  }
  for (const auto& key : resolved) waiting_triggers_.erase(key);
  resolve_from_ = resume_at;
  return settled;
}

void NotifierCore::stage_delivery_event(wire::Notification::Reader n, const std::string& outcome,
                                        uint32_t attempts) {
  staged_events_.push_back(log_.append<wire::DeliveryEvent>(
      settle_batch_, wire_type(wire::NOTIFIER_DELIVERY), [&](wire::DeliveryEvent::Builder event) {
        event.setKey(n.getKey());
        event.setKind(n.getKind());
        event.setOrganisationId(n.getOrganisationId());
        event.setChannel(n.getChannel());
        event.setOutcome(outcome);
        event.setAttempts(attempts);
        event.setAtUs(now_us());
      }));
}

SendGate NotifierCore::may_send(const outbox::Entry& entry, RegistryReader& registry,
                                std::chrono::milliseconds* wait) {
  if (GOSMART_BREAK_POINT("notifier.skip_send_gate")) return SendGate::send;
  auto stored = parse_stored<wire::Notification>(entry.payload);
  if (!stored) return SendGate::send;  // the renderer reports it unreadable
  auto n = stored->get();
  std::string org_id = text_of(n.getOrganisationId());
  // Rate limits first (cheap, and a message held back asks the registry nothing).
  // Both are checked before either is taken, so a refusal costs no token.
  std::string recipient = text_of(n.getRecipient());
  std::string who = recipient_tag(recipient);
  std::string server = "smtp";
  if (text_of(n.getChannel()) == "webhook") {
    auto scheme = recipient.find("://");
    auto host_start = scheme == std::string::npos ? 0 : scheme + 3;
    server = "http:" + recipient.substr(host_start, recipient.find('/', host_start) - host_start);
  }
  int64_t now = now_us();
  // The relay over its rate holds every message; a recipient over its rate, or a
  // webhook's server (one of many a lane sends to), only its own.
  int64_t recipient_wait = per_recipient_ ? per_recipient_->wait_us(who, now) : 0;
  int64_t server_wait = per_server_ ? per_server_->wait_us(server, now) : 0;
  if (server_wait > 0 && server == "smtp") return SendGate::later;
  if (recipient_wait > 0 || server_wait > 0) {
    if (wait) {
      *wait = std::chrono::milliseconds(std::max(recipient_wait, server_wait) / 1000 + 1);
    }
    return SendGate::aside;
  }
  auto taken = [&] {
    if (per_recipient_) per_recipient_->take(who, now);
    if (per_server_) per_server_->take(server, now);
    return SendGate::send;
  };
  if (text_of(n.getChannel()) == "webhook") {
    // Sent while the portal is subscribed, and its URL still under a prefix the
    // operator allows now (a prefix removed stops its hooks); a removed webhook is
    // not called again.
    if (!webhook_url_allowed(recipient, options_.webhook_url_prefixes)) return SendGate::cancel;
    auto subscribed = store_.get(store_.cf(kWebhooksCf), org_id + "|" + text_of(n.getWebhookId()));
    if (!subscribed) return SendGate::later;
    return subscribed.value() ? taken() : SendGate::cancel;
  }
  auto known = known_organisation(registry, org_id);
  if (!known) return SendGate::later;  // the registry does not answer: the message waits
  auto organisation = std::move(*known);
  if (!organisation) return SendGate::cancel;  // erased, or no longer this notifier's
  const std::string& to = who;                 // tags: addresses match case-blind
  if (!n.getTransactional()) {
    auto kept = store_.get(store_.cf(kPendingUnsubscribesCf), org_id + "|" + to);
    if (!kept) return SendGate::later;
    // Unsubscribed, the registry hears of it soon (once it has, the registry is the
    // record: a "passed:" mark only keeps the link's page saying so).
    if (kept.value() && !passed_on(*kept.value())) return SendGate::cancel;
  }
  for (const auto& chosen : recipients_of(organisation->getRoot<wire::Organisation>().asReader(),
                                          text_of(n.getKind()))) {
    if (recipient_tag(chosen.email) == to) return taken();
  }
  return SendGate::cancel;
}

Result<bool> NotifierCore::keep_unsubscribe(const std::string& org_id, const std::string& tag) {
  auto kept = store_.get(store_.cf(kPendingUnsubscribesCf), org_id + "|" + tag);
  if (!kept) return kept.error();
  if (kept.value() && !passed_on(*kept.value())) return false;
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(kPendingUnsubscribesCf), org_id + "|" + tag, "");
  if (auto stored = store_.commit(batch); !stored) return stored.error();
  return true;
}

bool NotifierCore::unsubscribe_kept(const std::string& org_id, const std::string& tag) {
  auto kept = store_.get(store_.cf(kPendingUnsubscribesCf), org_id + "|" + tag);
  if (!kept) {
    spdlog::error("notifier: cannot read the unsubscribes kept: {}", describe(kept.error()));
    return false;
  }
  return kept.value().has_value();
}

std::size_t NotifierCore::pass_on_unsubscribes(RegistryReader& registry) {
  // One passed on stays marked for a minute (value "passed:<time>"): its link's page
  // goes on saying it is done while the link endpoint still takes the registry for
  // away (outside findings: the form came back for seconds after the registry did).
  constexpr int64_t kPassedKeptUs = 60'000'000;
  std::vector<std::string> kept;
  rocksdb::WriteBatch expired;
  {
    auto it = store_.iterate(store_.cf(kPendingUnsubscribesCf));
    for (it->SeekToFirst(); it->Valid() && kept.size() < 64; it->Next()) {
      auto value = it->value().ToString();
      if (passed_on(value)) {
        if (now_us() - std::atoll(value.c_str() + kPassedMark.size()) > kPassedKeptUs)
          expired.Delete(store_.cf(kPendingUnsubscribesCf), it->key());
        continue;
      }
      kept.push_back(it->key().ToString());
    }
  }
  if (expired.Count() > 0) {
    if (auto stored = store_.commit(expired, store::Durability::no_sync); !stored)
      spdlog::error("notifier: passed-on unsubscribes not cleared: {}", describe(stored.error()));
  }
  std::size_t passed = 0;
  for (const auto& key : kept) {
    auto bar = key.find('|');
    std::string org_id = key.substr(0, bar);
    std::string tag = key.substr(bar + 1);
    auto org = registry.organisation(org_id);
    if (!org) break;  // still no answer: kept for the next round
    std::string email;
    if (!is_error(*org)) {
      try {
        for (auto contact : org->payload<wire::OrgReply>().getOrganisation().getContacts()) {
          if (recipient_tag(text_of(contact.getEmail())) == tag)
            email = text_of(contact.getEmail());
        }
      } catch (const kj::Exception&) {
        spdlog::error("notifier: the registry's answer about {} is unreadable", org_id);
        break;
      }
    }
    if (!email.empty()) {
      auto changed = registry.withdraw_consent(org_id, email, "notifications");
      if (!changed) break;
      if (is_error(*changed)) {
        // Refused for good (the contact changed meanwhile): logged, not retried forever.
        spdlog::error("notifier: the registry refused a kept unsubscribe for {}", org_id);
      }
    }
    // Done, or nothing left to stop (organisation erased, address no longer a contact).
    rocksdb::WriteBatch batch;
    batch.Put(store_.cf(kPendingUnsubscribesCf), key,
              std::string(kPassedMark) + std::to_string(now_us()));
    if (auto stored = store_.commit(batch); !stored) {
      spdlog::error("notifier: a passed-on unsubscribe was not cleared: {}",
                    describe(stored.error()));
      break;
    }
    ++passed;
    contacts_.erase(org_id);
    spdlog::info("notifier: an unsubscribe for {} kept while the registry was away is passed on",
                 org_id);
  }
  return passed;
}

bool NotifierCore::mark_sent(const std::string& entry_key, const std::string& fingerprint) {
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(kSendMarksCf), entry_key, fingerprint);
  auto stored = store_.commit(batch, store::Durability::no_sync);
  if (!stored) {
    spdlog::warn("notifier: cannot mark a send ({}); its lane waits for the settle",
                 stored.error().message);
  }
  return bool(stored);
}

std::optional<std::string> NotifierCore::sent_mark(const std::string& entry_key) const {
  auto mark = store_.get(store_.cf(kSendMarksCf), entry_key);
  if (!mark) return std::nullopt;
  return mark.value();
}

void NotifierCore::settle(const outbox::Entry& entry, const outbox::Settlement& settlement) {
  settle_batch_.Delete(store_.cf(kSendMarksCf), entry.key);
  auto stored = parse_stored<wire::Notification>(entry.payload);
  if (!stored) return;
  auto n = stored->get();
  std::string key = text_of(n.getKey());
  if (settlement.outcome == outbox::Settlement::Outcome::cancelled) {
    // Its recipient would not be chosen now (consent withdrawn, channel none,
    // contact or organisation gone): recorded, never sent, not a dead letter.
    settle_batch_.Put(store_.cf(kKeysCf), key, "suppressed");
    stage_delivery_event(n, "suppressed", n.getAttempts());
    ++staged_.suppressed;
    spdlog::info("notifier: {} for {} not sent: its recipient no longer takes it",
                 text_of(n.getKind()), text_of(n.getOrganisationId()));
    return;
  }
  if (settlement.outcome == outbox::Settlement::Outcome::delivered) {
    settle_batch_.Put(store_.cf(kKeysCf), key, "sent");
    stage_delivery_event(n, "sent", n.getAttempts() + 1);
    ++staged_.sent;
    return;
  }
  // Refused for good or out of attempts: a dead letter an operator lists, retries or
  // drops. The reason carries the relay's code, never its text (it echoes addresses).
  capnp::MallocMessageBuilder message;
  message.setRoot(n);
  auto dead = message.getRoot<wire::Notification>();
  dead.setLastError(settlement.reason);
  dead.setAttempts(n.getAttempts() + 1);  // the attempt that made it dead counts
  settle_batch_.Put(store_.cf(kDeadCf), key, store::to_bytes(message));
  settle_batch_.Put(store_.cf(kKeysCf), key, "dead");
  stage_delivery_event(n, "dead", n.getAttempts() + 1);
  ++staged_.dead;
}

Status NotifierCore::commit_settle_batch(store::Durability durability) {
  auto stored = store_.commit(settle_batch_, durability);
  settle_batch_.Clear();
  if (!stored) {
    log_.aborted();
    staged_events_.clear();
    staged_ = {};
    return stored;
  }
  log_.committed();
  committed_.sent += staged_.sent;
  committed_.dead += staged_.dead;
  committed_.suppressed += staged_.suppressed;
  staged_ = {};
  for (auto& event : staged_events_) unpublished_.push_back(std::move(event));
  staged_events_.clear();
  // A synced commit makes every earlier one durable too: what waited goes out now.
  if (durability == store::Durability::sync) release_events();
  return {};
}

void NotifierCore::release_events() {
  if (publisher_ && !unpublished_.empty()) publisher_->publish(unpublished_);
  unpublished_.clear();
}

void NotifierCore::publish_durable() {
  if (unpublished_.empty()) return;
  // Events are published only once they cannot be lost: a number a subscriber has
  // seen must never be taken again by another event after a machine crash.
  if (auto synced = store_.sync_wal(); !synced) {
    spdlog::error("notifier: delivery events wait: {}", describe(synced.error()));
    return;
  }
  release_events();
}

void NotifierCore::commit(std::function<void(bool stored)> done) {
  settles_waiting_.push_back(std::move(done));
}

void NotifierCore::record_attempt(const std::string& entry_key, int attempts,
                                  int64_t first_failed_us, const std::string& reason) {
  auto bytes = store_.get(store_.cf(kOutboxCf), entry_key);
  if (!bytes || !bytes.value()) return;  // settled or purged meanwhile
  auto stored = parse_stored<wire::Notification>(*bytes.value());
  if (!stored) return;
  capnp::MallocMessageBuilder message;
  message.setRoot(stored->get());
  auto n = message.getRoot<wire::Notification>();
  n.setAttempts(static_cast<uint32_t>(attempts));
  n.setFirstFailedUs(first_failed_us);
  n.setLastError(reason);
  settle_batch_.Put(store_.cf(kOutboxCf), entry_key, store::to_bytes(message));
}

void NotifierCore::flush_settles() {
  if (settle_batch_.Count() == 0 && settles_waiting_.empty()) return;
  // Written to the WAL without waiting for the disk: a process crash (kill -9) loses
  // none of it, so a lane sends its next message at once; a machine crash may send
  // the last ones again, each with its own Message-ID. The delivery events wait for
  // the next sync (publish_durable), so none is published that could be lost.
  if (auto stored = commit_settles(store::Durability::no_sync); !stored)
    spdlog::error("notifier: deliveries were not recorded: {}", describe(stored.error()));
}

Status NotifierCore::commit_settles(store::Durability durability) {
  auto stored = commit_settle_batch(durability);
  // The lanes hear after the commit: what they settle next goes into the next batch.
  auto waiting = std::move(settles_waiting_);
  settles_waiting_.clear();
  for (auto& done : waiting) done(stored.ok());
  return stored;
}

NotifierCore::Counts NotifierCore::recent_counts() const {
  // Counting reads every entry waiting (and the removed ones not yet compacted):
  // under a burst of thousands, each health question held the loop a millisecond or
  // more, and the pollers decided how often. Counted at most every kCountsFreshFor.
  auto now = std::chrono::steady_clock::now();
  if (counts_cache_ && now - counts_cache_->first < kCountsFreshFor) return counts_cache_->second;
  counts_cache_.emplace(now, counts());
  return counts_cache_->second;
}

NotifierCore::Counts NotifierCore::counts() const {
  Counts counts;
  int64_t oldest = 0;
  auto outbox = store_.iterate(store_.cf(kOutboxCf));
  // A lane's entries are in the order they were queued: only each lane's first is
  // read for its age (a health question under a burst read thousands otherwise).
  std::string lane;
  for (outbox->SeekToFirst(); outbox->Valid(); outbox->Next()) {
    ++counts.pending;
    auto key = outbox->key().ToStringView();
    auto this_lane = key.substr(0, key.find('\0'));
    if (!lane.empty() && this_lane == lane) continue;
    lane = this_lane;
    if (auto n = parse_stored<wire::Notification>(outbox->value().ToString())) {
      int64_t created = n->get().getCreatedUs();
      if (oldest == 0 || created < oldest) oldest = created;
    }
  }
  if (oldest) counts.oldest_pending_age_s = static_cast<double>(now_us() - oldest) / 1e6;
  auto dead = store_.iterate(store_.cf(kDeadCf));
  for (dead->SeekToFirst(); dead->Valid(); dead->Next()) ++counts.dead;
  auto triggers = store_.iterate(store_.cf(kTriggersCf));
  for (triggers->SeekToFirst(); triggers->Valid(); triggers->Next()) ++counts.triggers;
  return counts;
}

void NotifierCore::install(service::ApiServer& server, const service::ServiceInfo& info,
                           RegistryReader& registry) {
  server.handle(wire_type(wire::NOTIFIER_DELIVERIES_LIST), {Role::broker, Role::monitor},
                [this, &info](const service::Request& r) { return deliveries(r, info); });
  server.handle(wire_type(wire::NOTIFIER_WEBHOOK_ADD), {Role::broker, Role::integration},
                [this, &info, &registry](const service::Request& r) {
                  return add_webhook(r, info, registry);
                });
  server.handle(wire_type(wire::NOTIFIER_WEBHOOK_LIST), {Role::broker, Role::integration},
                [this, &info](const service::Request& r) { return list_webhooks(r, info); });
  server.handle(wire_type(wire::NOTIFIER_WEBHOOK_REMOVE), {Role::broker, Role::integration},
                [this, &info](const service::Request& r) { return remove_webhook(r, info); });
  server.handle(wire_type(wire::NOTIFIER_OUTBOX_LIST), {Role::broker, Role::monitor},
                [this, &info](const service::Request& r) { return list(r, info); });
  server.handle(wire_type(wire::NOTIFIER_DEAD_RETRY), {Role::broker},
                [this, &info](const service::Request& r) { return act_on_dead(r, info, true); });
  server.handle(wire_type(wire::NOTIFIER_DEAD_DROP), {Role::broker},
                [this, &info](const service::Request& r) { return act_on_dead(r, info, false); });
}

namespace {

void fill_item(wire::OutboxItem::Builder item, wire::Notification::Reader n, bool personal) {
  item.setKey(n.getKey());
  item.setKind(n.getKind());
  item.setOrganisationId(n.getOrganisationId());
  item.setChannel(n.getChannel());
  if (personal) item.setRecipient(n.getRecipient());
  item.setAttempts(n.getAttempts());
  item.setLastError(n.getLastError());
  item.setCreatedUs(n.getCreatedUs());
}

}  // namespace

Result<std::string> NotifierCore::deliveries(const service::Request& request,
                                             const service::ServiceInfo& info) {
  auto query = request.envelope.payload<wire::OutboxQuery>();
  uint64_t limit = query.getLimit() ? std::min<uint32_t>(query.getLimit(), 500) : 50;
  uint64_t head = log_.head(options_.country);
  uint64_t after = head > limit ? head - limit : 0;
  auto page = log_.read_after(options_.country, after, limit, 4 << 20);
  if (!page) return page.error();
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_DELIVERIES_PAGE));
  auto events = reply.init_payload<wire::DeliveryPage>().initEvents(
      static_cast<unsigned>(page.value().events.size()));
  unsigned filled = 0;
  for (auto it = page.value().events.rbegin(); it != page.value().events.rend(); ++it) {
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(it->data()), it->size()});
    if (!decoded || decoded.value().header().type != wire_type(wire::NOTIFIER_DELIVERY)) continue;
    events.setWithCaveats(filled++, decoded.value().payload<wire::DeliveryEvent>());
  }
  return reply.encode();
}

Result<std::string> NotifierCore::add_webhook(const service::Request& request,
                                              const service::ServiceInfo& info,
                                              RegistryReader& registry) {
  auto ask = request.envelope.payload<wire::WebhookAdd>();
  std::string org_id = text_of(ask.getOrganisationId());
  std::string url = text_of(ask.getUrl());
  if (url.size() > 2000 || !reference::is_web_url(url)) {
    return fail(ErrorCode::INVALID_FIELD, "an http:// or https:// URL of at most 2000 bytes",
                "url");
  }
  if (auto problem = webhook_url_problem(url)) {
    return fail(ErrorCode::INVALID_FIELD, "the URL " + *problem, "url");
  }
  if (!webhook_url_allowed(url, options_.webhook_url_prefixes)) {
    return fail(ErrorCode::NOT_AUTHORISED,
                options_.webhook_url_prefixes.empty()
                    ? "this node allows no webhooks ([notifier] webhook_url_prefixes)"
                    : "the URL is not under a prefix this node's operator allows",
                "url");
  }
  auto org = registry.organisation(org_id);
  if (!org) return fail(ErrorCode::UNAVAILABLE, "the registry does not answer; try again");
  if (is_error(*org))
    return fail(ErrorCode::NOT_FOUND, "no organisation " + org_id, "organisationId");
  std::string managed_by;
  try {
    managed_by = text_of(org->payload<wire::OrgReply>().getOrganisation().getManagedBy());
  } catch (const kj::Exception&) {
    return fail(ErrorCode::INTERNAL, "the registry's answer is unreadable");
  }
  // A portal subscribes for the organisations it manages; a broker for any.
  if (request.caller.role == Role::integration && managed_by != request.caller.name) {
    return fail(ErrorCode::NOT_AUTHORISED, "organisation " + org_id + " is not managed by you",
                "organisationId");
  }
  std::string prefix = org_id + "|";
  std::size_t existing = 0;
  auto it = store_.iterate(store_.cf(kWebhooksCf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ++existing;
    // One endpoint once: a second subscription would deliver every message twice.
    auto stored = parse_stored<wire::Webhook>(it->value().ToString());
    if (stored && text_of(stored->get().getUrl()) == url) {
      return fail(ErrorCode::CONFLICT,
                  "organisation " + org_id + " has this URL already (" +
                      text_of(stored->get().getId()) + ")",
                  "url");
    }
  }
  if (existing >= 5) {
    return fail(ErrorCode::LIMIT_EXCEEDED, "at most 5 webhooks per organisation", "organisationId");
  }
  unsigned char random[12];
  randombytes_buf(random, sizeof random);
  std::string id = "wh_" + to_hex({random, sizeof random});
  capnp::MallocMessageBuilder message;
  auto hook = message.initRoot<wire::Webhook>();
  hook.setId(id);
  hook.setOrganisationId(org_id);
  hook.setUrl(url);
  hook.setSecret(new_webhook_secret());
  hook.setAddedBy(request.caller.user_id());
  hook.setCreatedUs(now_us());
  rocksdb::WriteBatch batch;
  batch.Put(store_.cf(kWebhooksCf), prefix + id, store::to_bytes(message));
  if (auto stored = store_.commit(batch); !stored) return stored.error();
  spdlog::info("notifier: webhook {} for {} added by {}", id, org_id, request.caller.user_id());
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_WEBHOOK_REPLY));
  auto out = reply.init_payload<wire::Webhook>();
  out.setId(id);
  out.setOrganisationId(org_id);
  out.setUrl(url);
  out.setSecret(hook.getSecret());  // shown this once
  out.setAddedBy(hook.getAddedBy());
  out.setCreatedUs(hook.getCreatedUs());
  return reply.encode();
}

Result<std::string> NotifierCore::list_webhooks(const service::Request& request,
                                                const service::ServiceInfo& info) {
  // A portal sees the subscriptions it made; a broker every one. Bounded by what
  // one reply may carry: a node has a few per managed organisation.
  std::string org_id = text_of(request.envelope.payload<wire::WebhookList>().getOrganisationId());
  std::vector<std::string> kept;
  auto it = store_.iterate(store_.cf(kWebhooksCf));
  for (it->SeekToFirst(); it->Valid() && kept.size() < 2000; it->Next()) {
    auto hook = parse_stored<wire::Webhook>(it->value().ToString());
    if (!hook) continue;
    if (!org_id.empty() && text_of(hook->get().getOrganisationId()) != org_id) continue;
    if (request.caller.role == Role::integration &&
        text_of(hook->get().getAddedBy()) != request.caller.user_id()) {
      continue;
    }
    kept.push_back(it->value().ToString());
  }
  std::vector<std::unique_ptr<store::StoredValue<wire::Webhook>>> hooks;
  for (const auto& bytes : kept) {
    if (auto hook = parse_stored<wire::Webhook>(bytes))
      hooks.push_back(std::make_unique<store::StoredValue<wire::Webhook>>(std::move(*hook)));
  }
  std::stable_sort(hooks.begin(), hooks.end(), [](const auto& a, const auto& b) {
    return a->get().getCreatedUs() < b->get().getCreatedUs();
  });
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_WEBHOOK_PAGE));
  auto list =
      reply.init_payload<wire::WebhookPage>().initWebhooks(static_cast<unsigned>(hooks.size()));
  for (unsigned i = 0; i < hooks.size(); ++i) {
    auto hook = hooks[i]->get();
    list[i].setId(hook.getId());
    list[i].setOrganisationId(hook.getOrganisationId());
    list[i].setUrl(hook.getUrl());
    list[i].setAddedBy(hook.getAddedBy());
    list[i].setCreatedUs(hook.getCreatedUs());  // never the secret
  }
  return reply.encode();
}

Result<std::string> NotifierCore::remove_webhook(const service::Request& request,
                                                 const service::ServiceInfo& info) {
  std::string id = text_of(request.envelope.payload<wire::WebhookRemove>().getId());
  auto it = store_.iterate(store_.cf(kWebhooksCf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto hook = parse_stored<wire::Webhook>(it->value().ToString());
    if (!hook || text_of(hook->get().getId()) != id) continue;
    if (request.caller.role == Role::integration &&
        text_of(hook->get().getAddedBy()) != request.caller.user_id()) {
      return fail(ErrorCode::NOT_AUTHORISED, "webhook " + id + " was added by another caller",
                  "id");
    }
    rocksdb::WriteBatch batch;
    batch.Delete(store_.cf(kWebhooksCf), it->key().ToString());
    if (auto stored = store_.commit(batch); !stored) return stored.error();
    spdlog::info("notifier: webhook {} removed by {}", id, request.caller.user_id());
    auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_WEBHOOK_REPLY));
    auto out = reply.init_payload<wire::Webhook>();
    out.setId(id);
    out.setOrganisationId(hook->get().getOrganisationId());
    out.setUrl(hook->get().getUrl());
    out.setAddedBy(hook->get().getAddedBy());
    out.setCreatedUs(hook->get().getCreatedUs());
    return reply.encode();
  }
  return fail(ErrorCode::NOT_FOUND, "no webhook " + id, "id");
}

Result<std::string> NotifierCore::list(const service::Request& request,
                                       const service::ServiceInfo& info) {
  auto query = request.envelope.payload<wire::OutboxQuery>();
  std::size_t limit = query.getLimit() ? std::min<uint32_t>(query.getLimit(), 1000) : 100;
  if (query.getHeld()) return list_held(request, info, limit);
  std::vector<std::string> values, keys;
  auto it = store_.iterate(store_.cf(query.getDead() ? kDeadCf : kOutboxCf));
  for (it->SeekToFirst(); it->Valid() && values.size() < limit; it->Next()) {
    values.push_back(it->value().ToString());
    keys.push_back(it->key().ToString());
  }
  auto counts = this->counts();
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_OUTBOX_PAGE));
  auto page = reply.init_payload<wire::OutboxPage>();
  page.setPending(counts.pending);
  page.setDead(counts.dead);
  page.setTriggers(counts.triggers);
  auto items = page.initItems(static_cast<unsigned>(values.size()));
  bool personal = request.caller.role == Role::broker;
  for (unsigned i = 0; i < values.size(); ++i) {
    if (auto n = parse_stored<wire::Notification>(values[i]))
      fill_item(items[i], n->get(), personal);
    if (!query.getDead() && next_try_) items[i].setNextTryUs(next_try_(keys[i]));
  }
  return reply.encode();
}

Result<std::string> NotifierCore::list_held(const service::Request& request,
                                            const service::ServiceInfo& info, std::size_t limit) {
  // Alerts held for a digest (outside findings: an operator could not see them),
  // by holder, with the holder's due time as the next try.
  std::vector<nlohmann::json> held;
  std::vector<std::string> holders;
  auto it = store_.iterate(store_.cf(kDigestItemsCf));
  for (it->SeekToFirst(); it->Valid() && held.size() < limit; it->Next()) {
    auto item = nlohmann::json::parse(it->value().ToString(), nullptr, false);
    if (item.is_discarded()) continue;
    std::string key = it->key().ToString();
    auto bar = key.find('|');
    auto second = bar == std::string::npos ? bar : key.find('|', bar + 1);
    item["_key"] = second == std::string::npos ? key : key.substr(second + 1);
    holders.push_back(second == std::string::npos ? key : key.substr(0, second));
    held.push_back(std::move(item));
  }
  auto counts = this->counts();
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_OUTBOX_PAGE));
  auto page = reply.init_payload<wire::OutboxPage>();
  page.setPending(counts.pending);
  page.setDead(counts.dead);
  page.setTriggers(counts.triggers);
  auto items = page.initItems(static_cast<unsigned>(held.size()));
  bool personal = request.caller.role == Role::broker;
  for (unsigned i = 0; i < held.size(); ++i) {
    const auto& item = held[i];
    items[i].setKey(item.value("_key", ""));
    items[i].setKind(item.value("kind", ""));
    items[i].setOrganisationId(item.value("org", ""));
    items[i].setChannel("digest");
    if (personal) items[i].setRecipient(item.value("email", ""));
    items[i].setCreatedUs(item.value("atUs", int64_t{0}));
    auto due = store_.get(store_.cf(kDigestDueCf), holders[i]);
    if (due && due.value()) {
      items[i].setNextTryUs(static_cast<int64_t>(store::keys::read_u64(*due.value()).value_or(0)));
    }
  }
  return reply.encode();
}

Result<std::string> NotifierCore::act_on_dead(const service::Request& request,
                                              const service::ServiceInfo& info, bool retry) {
  std::string key = text_of(request.envelope.payload<wire::DeadLetterAction>().getKey());
  auto bytes = store_.get(store_.cf(kDeadCf), key);
  if (!bytes) return bytes.error();
  if (!bytes.value()) return fail(ErrorCode::NOT_FOUND, "no dead letter " + key, "key");
  auto stored = parse_stored<wire::Notification>(*bytes.value());
  if (!stored) return fail(ErrorCode::INTERNAL, "stored dead letter unreadable");
  auto n = stored->get();
  // Into the settles' batch, committed with them: a delivery event is numbered when it
  // is staged, so events staged in two batches could be stored out of order, or one
  // published before its batch was stored (outside CI: the operator's "retried"
  // listed, a "suppressed" staged before it not yet).
  auto& batch = settle_batch_;
  batch.Delete(store_.cf(kDeadCf), key);
  if (retry) {
    capnp::MallocMessageBuilder message;
    message.setRoot(n);
    auto again = message.getRoot<wire::Notification>();
    again.setAttempts(0);
    again.setFirstFailedUs(0);
    again.setLastError("");
    batch.Put(store_.cf(kKeysCf), key, "queued");
    queue_.stage(batch, destination_of(text_of(n.getRecipient())), store::to_bytes(message));
  }
  stage_delivery_event(n, retry ? "retried" : "dropped", n.getAttempts());
  if (auto committed = commit_settles(store::Durability::sync); !committed)
    return committed.error();
  spdlog::info("notifier: dead letter {} {} by {}", key, retry ? "queued again" : "dropped",
               request.caller.user_id());
  auto reply = service::make_reply(info, request, wire_type(wire::NOTIFIER_OUTBOX_PAGE));
  auto page = reply.init_payload<wire::OutboxPage>();
  fill_item(page.initItems(1)[0], n, request.caller.role == Role::broker);
  return reply.encode();
}

}  // namespace gosmart::notifier
