#pragma once
// The notifier's core: what its node's organisations are told, kept until told.
//
// Three stages, each durable before the next starts:
//  1. apply(): an event of the node's registry or matching stream that concerns one
//     of its organisations becomes a trigger, stored in the subscriber's batch with
//     its cursor (a crash re-reads the event or finds the trigger, never neither).
//  2. resolve(): the registry names the organisation's contacts, their consent and
//     preferences (asked with the notifier's own key and role); each recipient's
//     message is rendered and queued in the outbox under its idempotency key
//     (trigger, recipient, channel), and the trigger removed, in one batch.
//  3. the outbox sender (common/outbox) sends each message through the SMTP courier
//     and settles it: the entry's removal, the key marked sent (or the message kept
//     as a dead letter) and a delivery event on the notifier's stream, in one batch.
// Each lane marks a message the relay took before it starts its next (SmtpCourier,
// kSendMarksCf), and the settles land later in groups: a crash sends again only the
// message on the wire of each lane, with the same Message-ID: at most the send
// concurrency per crash.
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/outbox/queue.hpp"
#include "common/outbox/sender.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_server.hpp"
#include "common/store/scrubber.hpp"
#include "common/store/store.hpp"
#include "schemas/matching.capnp.h"
#include "schemas/notifier.capnp.h"
#include "schemas/registry.capnp.h"
#include "services/notifier/domain/link_tokens.hpp"
#include "services/notifier/domain/rate_limit.hpp"
#include "services/notifier/domain/templates.hpp"
#include "services/notifier/recipients.hpp"
#include "services/notifier/send_gate.hpp"
#include "services/notifier/triggers.hpp"

namespace gosmart::notifier {

inline constexpr const char* kTriggersCf = "triggers";
inline constexpr const char* kOutboxCf = "outbox";
inline constexpr const char* kKeysCf = "notification_keys";
inline constexpr const char* kDeadCf = "dead_letters";
inline constexpr const char* kRegistryCursorsCf = "registry_cursors";
inline constexpr const char* kMatchingCursorsCf = "matching_cursors";
// Unsubscribes taken while the registry did not answer: "<org id>|<recipient tag>".
inline constexpr const char* kPendingUnsubscribesCf = "pending_unsubscribes";
// Alerts held for a daily or weekly digest: "<recipient tag>|<org id>|<key>" -> JSON;
// and when each holder's digest is due: "<recipient tag>|<org id>" -> big-endian us.
inline constexpr const char* kDigestItemsCf = "digest_items";
inline constexpr const char* kDigestDueCf = "digest_due";
// The node's side of each match told or being told: "<match id>|<own profile id>" ->
// the match_found trigger, so that a retraction (which names profiles, not owners)
// can tell the same contacts in the same words.
inline constexpr const char* kMatchSidesCf = "match_sides";
// Partner portals' webhooks: "<org id>|<webhook id>" -> Webhook.
inline constexpr const char* kWebhooksCf = "webhooks";
// Expiry reminders not yet due: big-endian due time, then "<profile id>|<days>".
inline constexpr const char* kRemindersCf = "reminders";
// Sends the relay took whose settle has not landed yet: outbox key -> a hash of the
// entry (SmtpCourier's marks; removed by the settle).
inline constexpr const char* kSendMarksCf = "send_marks";

std::vector<std::string> notifier_column_families();

struct NotifierOptions {
  std::string country;
  std::string from;        // From: the node's notification address
  std::string reply_to;    // Reply-To: the node's broker, so an answer reaches a person
  std::string public_url;  // the link endpoint as the recipient reaches it
  std::string time_zone = "Europe/Brussels";
  std::string mail_domain = "gosmart.invalid";  // the right side of Message-IDs
  int concurrency = 2;                          // messages sent at once
  int64_t link_lifetime_us = 90LL * 24 * 3600 * 1'000'000;
  int64_t contacts_fresh_for_us = 500'000;   // see NotifierCore::may_send
  std::vector<int> reminder_days = {30, 7};  // expiry reminders, days before the last day
  // A renewal from a reminder's link keeps the profile this much longer (from today).
  int renew_for_days = 365;
  // Webhook URLs must start with one of these (none: no webhooks may be added).
  std::vector<std::string> webhook_url_prefixes = {};
  // Rate limits (0: none): messages per hour to one recipient (mail address or
  // webhook), with a burst; messages per second to the relay and to one webhook host.
  double recipient_per_hour = 0;
  double recipient_burst = 10;
  double server_per_second = 0;
  double server_burst = 20;
};

// The registry's answers the resolution needs; null when the registry did not
// answer (the trigger waits), an error envelope when it refused.
class RegistryReader {
 public:
  virtual ~RegistryReader() = default;
  virtual std::optional<DecodedEnvelope> organisation(const std::string& id) = 0;
  virtual std::optional<DecodedEnvelope> profile(const std::string& id) = 0;
  // Several at once, one answer (or nothing) per id in order: a reader over a socket
  // asks them all before it waits, so a burst pays one round trip, not one per id.
  virtual std::vector<std::optional<DecodedEnvelope>> organisations(
      const std::vector<std::string>& ids) {
    std::vector<std::optional<DecodedEnvelope>> answers;
    for (const auto& id : ids) answers.push_back(organisation(id));
    return answers;
  }
  virtual std::vector<std::optional<DecodedEnvelope>> profiles(
      const std::vector<std::string>& ids) {
    std::vector<std::optional<DecodedEnvelope>> answers;
    for (const auto& id : ids) answers.push_back(profile(id));
    return answers;
  }
  // registry.contact.preferences: withdraws the contact's consent to `purpose`.
  virtual std::optional<DecodedEnvelope> withdraw_consent(const std::string& org_id,
                                                          const std::string& email,
                                                          const std::string& purpose) = 0;
};

class NotifierCore : public replication::Applier, public outbox::Owner {
 public:
  NotifierCore(store::Store& store, replication::EventLog& log, replication::Publisher* publisher,
               const Templates& templates, const LinkTokens& tokens, NotifierOptions options);

  // replication::Applier: the streams' events become triggers.
  Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) override;
  // A batch that stored triggers landed: `on_triggers` runs (the service resolves at
  // once instead of at its next poll; an immediate message is not held 200 ms).
  void committed() override;
  void aborted() override {
    triggers_staged_ = false;
    purge_staged_ = false;
  }
  void set_on_triggers(std::function<void()> on_triggers) { on_triggers_ = std::move(on_triggers); }
  // When a waiting entry (by its outbox key) is tried again, in microseconds since
  // the epoch, 0 if it waits only for its turn: the sender knows (parking is in
  // memory); the outbox list shows it.
  void set_next_try(std::function<int64_t(const std::string&)> next_try) {
    next_try_ = std::move(next_try);
  }

  // Resolves up to `limit` stored triggers; returns how many were settled (queued,
  // or dropped because the organisation is gone). Stops at the first the registry
  // does not answer, and once `budget` is spent (after one trigger at least): the
  // service loop resolves a burst in slices, so that its lanes are not left waiting
  // (the registry's answers and the rendering cost 0.1-0.3 ms a trigger).
  std::size_t resolve(RegistryReader& registry, std::size_t limit = 64,
                      std::chrono::microseconds budget = std::chrono::microseconds::max());

  // The outbox: its destinations ("mail-0".."mail-<concurrency-1>", one per
  // recipient's hash, so one recipient's messages keep their order) and the owner's
  // side of settling a send.
  outbox::Queue& queue() { return queue_; }
  std::vector<std::string> destinations() const;
  std::string destination_of(const std::string& recipient) const;
  rocksdb::WriteBatchBase& staging() override { return settle_batch_; }
  void settle(const outbox::Entry& entry, const outbox::Settlement& settlement) override;
  // Settles are committed in groups (flush_settles(), after each round of answers),
  // to the WAL without an fsync: a process crash loses at most the unsettled sends,
  // one per destination, sent again with their Message-IDs; a machine crash may also
  // repeat those settled since the last sync. Their delivery events are published
  // only once a sync covers them (publish_durable(), from a short timer).
  void commit(std::function<void(bool stored)> done) override;
  void flush_settles();
  void publish_durable();
  // A lane's mark that the relay took an entry (any thread; to the WAL, no fsync:
  // it outlives the process, as the settles do). False when it could not be written.
  bool mark_sent(const std::string& entry_key, const std::string& fingerprint);
  // The mark of an entry, if any (a read that fails: none, the entry is sent).
  std::optional<std::string> sent_mark(const std::string& entry_key) const;
  // A failed attempt to be tried again: the stored message's attempts and last error
  // are updated in the next settle group.
  void record_attempt(const std::string& entry_key, int attempts, int64_t first_failed_us,
                      const std::string& reason);

  // Right before a message is sent (first time, retry, an operator's retry): whether
  // its recipient would still be chosen for it, as the registry sees the contact
  // now: consent, channel, the contact itself, the organisation itself. A message
  // queued before an unsubscribe is then not sent (outside findings, notifier
  // wave). The registry's answer is reused for `contacts_fresh_for` per
  // organisation; forget_contacts() drops it at once (an unsubscribe seen here).
  // `wait` (if given) is set with `aside`: how long until the recipient's token comes.
  SendGate may_send(const outbox::Entry& entry, RegistryReader& registry,
                    std::chrono::milliseconds* wait = nullptr);
  // Before a run of sends: asks the registry at once for the organisations of these
  // outbox entries it has no fresh copy of, so their gates find them.
  void read_ahead(RegistryReader& registry, const std::vector<outbox::Entry>& run);
  void forget_contacts() { contacts_.clear(); }

  // An unsubscribe the link endpoint took while the registry did not answer: kept
  // durably (any thread may call this), honoured by may_send at once, and written
  // to the registry by pass_on_unsubscribes() once it answers. An unsubscribe is
  // never lost to a registry restart (outside findings: it answered 503 and
  // forgot it).
  // True if newly kept; false if this unsubscribe waits for the registry already.
  Result<bool> keep_unsubscribe(const std::string& org_id, const std::string& recipient_tag);
  // Whether such an unsubscribe is kept, not yet passed on (a read that fails: no).
  bool unsubscribe_kept(const std::string& org_id, const std::string& recipient_tag);
  // Loop thread: hands the kept unsubscribes to the registry; returns how many it took.
  std::size_t pass_on_unsubscribes(RegistryReader& registry);

  // Expiry reminders due at `now_us` become triggers (one per profile: when several
  // are due at once, the one nearest the expiry, telling the days left now); a
  // reminder for a day already past is dropped. Returns the triggers made.
  std::size_t fire_due_reminders(int64_t now_us);

  // Digests due at `now_us` are rendered (one per contact and organisation, the
  // held alerts newest first) and queued; returns how many.
  std::size_t send_due_digests(int64_t now_us);

  // The operator api: notifier.outbox.list, notifier.dead.retry, notifier.dead.drop;
  // the portals' notifier.webhook.add/remove (the registry says who manages what).
  void install(service::ApiServer& server, const service::ServiceInfo& info,
               RegistryReader& registry);
  // A webhook's signing secret, if it is still subscribed.
  std::optional<std::string> webhook_secret(const std::string& org_id,
                                            const std::string& webhook_id) const;

  struct Counts {
    uint64_t pending = 0, dead = 0, triggers = 0;
    double oldest_pending_age_s = 0;
  };
  Counts counts() const;
  // As of at most kCountsFreshFor ago: for health and /metrics, asked by pollers.
  Counts recent_counts() const;
  static constexpr std::chrono::milliseconds kCountsFreshFor{1000};
  // Outcomes once their batch is stored: a metric never runs ahead of the delivery
  // list an operator reads next (outside CI: suppressed counted, list without it).
  uint64_t sent() const { return committed_.sent; }
  uint64_t dead_total() const { return committed_.dead; }
  uint64_t suppressed() const { return committed_.suppressed; }
  // Erasures whose purge landed are scrubbed from every file by now (tests).
  void wait_for_scrub() { scrubber_.wait_idle(); }

 private:
  Status stage_trigger(const Trigger& trigger, store::StagingBatch& batch);
  Status apply_retraction(const DecodedEnvelope& event, store::StagingBatch& batch);
  void purge_organisation(const std::string& org_id, store::StagingBatch& batch);
  std::string unsubscribe_url(const std::string& org_id, const std::string& email) const;
  // A rendered e-mail queued under its idempotency key, in the caller's batch.
  struct MailHeader {
    std::string key, kind, org_id, email, unsubscribe;
    bool transactional = false;
  };
  void queue_mail(rocksdb::WriteBatch& batch, const MailHeader& mail, const Rendered& rendered);
  void hold_for_digest(rocksdb::WriteBatch& batch, const std::string& idempotency,
                       const std::string& kind, const std::string& org_id,
                       const Recipient& recipient, const Rendered& rendered,
                       const nlohmann::json& model);
  void stage_webhooks(rocksdb::WriteBatch& batch, const std::string& trigger_key,
                      const std::string& kind, const std::string& org_id,
                      const nlohmann::json& model);
  std::string renew_url(const std::string& org_id, const std::string& profile_id,
                        const std::string& expires_on, const std::string& email) const;
  // Delivery events are staged only into settle_batch_: numbered when staged, they
  // must be stored in that order, and published only once their batch is.
  void stage_delivery_event(wire::Notification::Reader n, const std::string& outcome,
                            uint32_t attempts);
  Result<std::string> list(const service::Request& request, const service::ServiceInfo& info);
  Result<std::string> deliveries(const service::Request& request, const service::ServiceInfo& info);
  Result<std::string> add_webhook(const service::Request& request, const service::ServiceInfo& info,
                                  RegistryReader& registry);
  Result<std::string> list_held(const service::Request& request, const service::ServiceInfo& info,
                                std::size_t limit);
  Result<std::string> list_webhooks(const service::Request& request,
                                    const service::ServiceInfo& info);
  Result<std::string> remove_webhook(const service::Request& request,
                                     const service::ServiceInfo& info);
  Result<std::string> act_on_dead(const service::Request& request, const service::ServiceInfo& info,
                                  bool retry);
  Status commit_settle_batch(store::Durability durability);
  // Commits settle_batch_ and then tells the lanes waiting on it.
  Status commit_settles(store::Durability durability);
  void release_events();  // publishes what waited for a sync

  store::Store& store_;
  replication::EventLog& log_;
  replication::Publisher* publisher_;
  const Templates& templates_;
  const LinkTokens& tokens_;
  NotifierOptions options_;
  outbox::Queue queue_;
  rocksdb::WriteBatch settle_batch_;
  std::vector<std::function<void(bool)>> settles_waiting_;
  std::vector<replication::StagedEvent> staged_events_;
  std::vector<replication::StagedEvent> unpublished_;  // committed, not yet synced
  struct KnownContacts {
    int64_t read_at_us = 0;
    std::shared_ptr<capnp::MallocMessageBuilder> org;  // null: the registry refused
  };
  // The organisation as the registry named it at most contacts_fresh_for ago (null:
  // refused, erased or not ours); nothing when the registry does not answer. Shared:
  // the copy stays readable if the cache is cleared meanwhile.
  std::optional<std::shared_ptr<capnp::MallocMessageBuilder>> known_organisation(
      RegistryReader& registry, const std::string& org_id);
  // Whether the copy of `org_id` was read at most contacts_fresh_for before `now`.
  bool known_fresh(const std::string& org_id, int64_t now) const;
  void remember_organisations(RegistryReader& registry, const std::vector<std::string>& orgs,
                              int64_t now);
  std::map<std::string, KnownContacts>::iterator remember_organisation(
      const std::string& org_id, std::unique_ptr<capnp::MallocMessageBuilder> copy, int64_t now);
  // Asks the registry at once for what these triggers need and has not fresh: their
  // organisations (into contacts_) and the profiles their models name (`profiles`).
  void read_ahead(RegistryReader& registry, const std::vector<std::string>& triggers,
                  std::map<std::string, std::optional<DecodedEnvelope>>& profiles);
  std::map<std::string, KnownContacts> contacts_;  // by organisation id
  std::unique_ptr<RateLimiter> per_recipient_;     // null: no limit
  std::unique_ptr<RateLimiter> per_server_;
  bool triggers_staged_ = false;
  std::string resolve_from_;  // where the next resolve round starts (see resolve)
  // The keys of the triggers waiting in the store, and perhaps a few more (staged in
  // a batch that failed, retracted, purged): resolve drops those it does not find.
  std::set<std::string> waiting_triggers_;
  std::set<std::string> digest_due_staged_;  // holders given a due time in this round
  bool purge_staged_ = false;
  std::function<void()> on_triggers_;
  std::function<int64_t(const std::string&)> next_try_;
  struct Tally {
    uint64_t sent = 0, dead = 0, suppressed = 0;
  };
  Tally staged_;     // outcomes in settle_batch_, not yet stored
  Tally committed_;  // outcomes stored
  mutable std::optional<std::pair<std::chrono::steady_clock::time_point, Counts>> counts_cache_;
  // Last member: its thread finishes a requested scrub before the store goes.
  store::Scrubber scrubber_{store_};
};

}  // namespace gosmart::notifier
