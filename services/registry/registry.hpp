#pragma once
// The registry's logic over its store: organisations and cooperation profiles of
// its own country, public replicas of its peers'. No sockets: requests come in as
// decoded envelopes with the caller's identity, replies and events go out as bytes.
// Writes go into one StagingBatch per group commit; the caller commits it, then
// publishes the staged events and sends the replies (see main.cpp).
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/outbox/queue.hpp"
#include "common/replication/event_log.hpp"
#include "common/service/api_server.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/scrubber.hpp"
#include "common/store/staging_batch.hpp"
#include "common/store/store.hpp"
#include "schemas/registry.capnp.h"
#include "services/registry/domain/lifecycle.hpp"
#include "services/registry/domain/validation.hpp"
#include "services/registry/national_id_index.hpp"

namespace gosmart::registry {

inline constexpr const char* kOrgs = "orgs";
inline constexpr const char* kProfiles = "profiles";
inline constexpr const char* kReplicaOrgs = "replica_orgs";
inline constexpr const char* kReplicaProfiles = "replica_profiles";
inline constexpr const char* kCounters = "counters";
inline constexpr const char* kCursors = "cursors";
inline constexpr const char* kEois = "eois";
inline constexpr const char* kEoiOpen = "eoi_open";  // senderOrgId/profileId -> eoi id
inline constexpr const char* kOutbox = "outbox";     // common/outbox: country -> requests
inline constexpr const char* kActions = "actions";   // seq (big-endian) -> BrokerAction
// National registry (VAT) id, normalised -> id of the organisation that has it.
inline constexpr const char* kNationalIds = "national_ids";

std::vector<std::string> registry_column_families();

struct RegistryOptions {
  std::string country;
  std::vector<std::string> members;
  const LanguageCodes* languages = nullptr;
  std::function<std::string()> today;  // YYYY-MM-DD, UTC; injectable for tests
  uint32_t max_page = 500;
  uint32_t max_open_eois = 10;  // per organisation
  // A page of the action log is cut before its entries pass this many bytes (and
  // names where to go on): free text must not make a reply over the message limit.
  std::size_t max_page_bytes = 512 * 1024;
  // Keys the national id index (national_id_index.hpp): the node's secret key.
  std::string index_secret = {};
};

std::string today_utc();

class Registry {
 public:
  Registry(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
           RegistryOptions options);

  // Installs every request handler of the registry on `server`.
  void install(service::ApiServer& server);
  // The kept replies of writes: erasure drops those that carry the organisation's data.
  void set_idempotency(service::IdempotencyStore* kept_replies) { kept_replies_ = kept_replies; }

  // The group commit, pipelined: the handlers stage into one generation; seal()
  // puts it in flight (its fsync runs while the next generation is staged) and
  // landed() or lost() ends it. Reads see staged and in-flight writes.
  bool has_changes() const {
    return !batch_.empty() || !dirty_counters_.empty() || !staged_actions_.empty();
  }
  rocksdb::WriteBatch seal();  // staged writes, counters included, go in flight
  const std::vector<replication::StagedEvent>& in_flight_events() const {
    return in_flight_.events;
  }
  const std::vector<replication::StagedEvent>& staged_events() const { return staging_.events; }
  void landed();  // the in-flight batch is durable (erased records are compacted now)
  void lost();    // it failed: forget it and everything staged since

  // Public replicas of peers' records, applied from their event streams. Several
  // events of one batch may touch one record: replica writes are read back from the
  // subscriber's staging batch until it is committed (or aborted).
  Status apply_peer_event(const DecodedEnvelope& event, store::StagingBatch& batch);
  void replicas_committed() {
    replica_published_ += replica_published_delta_;
    replica_published_delta_ = 0;
    if (replica_erasures_) scrubber_.request();
    replica_erasures_ = false;
  }
  void replicas_aborted() {
    replica_published_delta_ = 0;
    replica_erasures_ = false;
  }
  // Erasures whose batches landed are scrubbed from every file by now (tests).
  void wait_for_scrub() { scrubber_.wait_idle(); }

  // Requests to peer registries, staged with the change that causes them
  // (peer_outbox.hpp sends them); the outbox removes an answered one in the batch
  // being staged, with the change its answer settles.
  outbox::Queue& outbox() { return outbox_; }
  rocksdb::WriteBatch& staged_batch() { return batch_.batch(); }

  // A restore from a backup (restore.cpp; restore_recovery.hpp fetches and votes):
  // while paused, writes are answered `unavailable`. Events of this registry's own
  // origin fetched back from its peers are staged as its own, at their numbers, with
  // what they say of its records: public fields rebuilt, counters moved past every
  // id they name, erasures applied again to the copies the backup brought back.
  void pause_writes(bool paused) { writes_paused_ = paused; }
  bool writes_paused() const { return writes_paused_; }
  Status restore_own_event(const DecodedEnvelope& event);
  // Own organisations rebuilt from public events alone: their private part
  // (contacts, registry id, description) was only here and is lost.
  uint64_t restored_public_only() const { return restored_public_only_; }

  // Durable counts, kept as changes land (counted by a scan once, at start).
  uint64_t organisations() const { return organisations_; }
  uint64_t profiles_published() const { return static_cast<uint64_t>(own_published_); }
  uint64_t replica_profiles_published() const { return static_cast<uint64_t>(replica_published_); }

  // Published profiles whose expiry date has passed become expired (into the
  // current batch); returns how many. Run at start and from a timer.
  std::size_t expire_due();

  // The request handlers, public so that the logic is testable without sockets.
  Result<std::string> register_org(const service::Request& request, bool update);
  Result<std::string> get_org(const service::Request& request);
  Result<std::string> set_contact_preferences(const service::Request& request);
  Result<std::string> list_orgs(const service::Request& request);
  Result<std::string> submit_profile(const service::Request& request);
  Result<std::string> transition_profile(const service::Request& request);
  Result<std::string> get_profile(const service::Request& request);
  Result<std::string> erase_org(const service::Request& request);
  Result<std::string> list_actions(const service::Request& request);
  Result<std::string> state_digest(const service::Request& request);
  Result<std::string> list_profiles(const service::Request& request);
  void fill_owner(wire::PublicOrganisation::Builder out, wire::Profile::Reader profile, bool own);

  // Expressions of interest (eoi.cpp).
  Result<std::string> send_eoi(const service::Request& request);
  Result<std::string> answer_eoi(const service::Request& request);
  Result<std::string> advance_eoi(const service::Request& request);
  Result<std::string> get_eoi(const service::Request& request);
  Result<std::string> peer_deliver(const service::Request& request);
  Result<std::string> peer_update(const service::Request& request);
  // The owner's registry has stored a delivered EoI: on the sender's side it is forwarded.
  void delivered(const std::string& eoi_id);
  // The owner's registry refused it for good (the profile was withdrawn meanwhile,
  // say): the sender's EoI is closed as undeliverable, with the reason, and an
  // event tells the sender's notifier.
  void undeliverable(const std::string& eoi_id, const std::string& reason);

 private:
  // delivered() and undeliverable(): the sender's EoI, while still submitted,
  // takes `outcome`.
  void settle_delivery(const std::string& eoi_id, wire::EoiStatus outcome,
                       const std::string& reason);
  void enqueue_peer(const std::string& country, std::string_view type,
                    wire::ExpressionOfInterest::Reader eoi);
  void store_eoi(capnp::MallocMessageBuilder& message, const std::string& local_org,
                 std::string_view event_type);
  void fill_contact(wire::EoiContact::Builder out, const std::string& org_id);
  std::string local_party(wire::ExpressionOfInterest::Reader eoi);
  Result<std::string> profile_subject(const std::string& profile_id);
  Result<std::string> org_subject(wire::EoiSend::Reader ask, const std::string& sender_id);
  Result<std::string> delivery_subject(wire::ExpressionOfInterest::Reader incoming);
  // Removes an erased organisation's personal data from every EoI it is a party to
  // (as sender, or as owner of one of `profile_ids`), stored or waiting in the
  // outbox for a peer; returns how many records were rewritten.
  using Rewrite = std::function<void(rocksdb::ColumnFamilyHandle* cf, const std::string& key,
                                     std::string bytes)>;
  std::size_t forget_eoi_party(const std::string& country, const std::string& org_id,
                               const std::set<std::string>& profile_ids, const Rewrite& put);
  Result<store::StoredValue<wire::ExpressionOfInterest>> load_eoi(const std::string& id,
                                                                  const char* field);
  // Whether `sender_id` may have one more open EoI on `profile_id`: none open on
  // it yet, and fewer than max_open_eois in all (either side: sent or received).
  Status room_for_eoi(const std::string& sender_id, const std::string& profile_id,
                      const char* field_prefix);
  // The organisation of this registry, if the caller may act for it.
  Result<store::StoredValue<wire::Organisation>> org_for(const service::Request& request,
                                                         const std::string& id, const char* field);
  Result<std::string> eoi_reply(const service::Request& request,
                                wire::ExpressionOfInterest::Reader eoi);
  // Names the organisations of this registry whose contacts an EoI write's reply
  // carries (its sender, its profile's owner), so that their erasure drops its kept copy.
  Result<std::string> eoi_reply_concerns(const service::Request& request,
                                         Result<std::string> reply);

  // Appends to the broker action log, in the commit of the change it records
  // (written at seal(), consecutive same changes by one caller as one entry).
  void write_actions();
  void record_action(const service::Request& request, const std::string& action,
                     const std::string& target, const std::string& detail = "");

  ValidationContext context() const;
  // The organisation that already has `org`'s national registry id, if another does.
  Result<std::optional<std::string>> national_id_holder(wire::Organisation::Reader org,
                                                        const std::string& id);
  void index_national_id(const std::string& old_registry_id, wire::Organisation::Reader org);
  uint64_t next_counter(const std::string& key);
  uint64_t counter_value(const std::string& key);
  void counter_past(const std::string& key, uint64_t value);  // at least `value`
  // The erasure of an organisation's records (tombstone, profiles, kept replies).
  Status erase_records(const std::string& id, wire::Organisation::Reader old,
                       std::vector<std::string>& withdrawn);
  Status restore_org(wire::PublicOrganisation::Reader org, int64_t at_us);
  Status restore_profile(wire::Profile::Reader profile);
  Status restore_status(wire::ProfileStatusEvent::Reader status);
  Status restore_erasure(const std::string& id);
  void emit_org_public(wire::Organisation::Reader org);
  void emit_status(wire::Profile::Reader profile);
  void emit_published(wire::Profile::Reader profile, wire::Organisation::Reader owner);

  store::Store& store_;
  replication::EventLog& log_;
  service::ServiceInfo info_;
  service::IdempotencyStore* kept_replies_ = nullptr;
  RegistryOptions options_;
  // What one generation of the group commit carries besides its writes.
  struct Generation {
    std::vector<replication::StagedEvent> events;
    uint64_t new_organisations = 0;
    std::vector<std::string> erased;  // org ids to compact once durable
    int64_t published_delta = 0;      // own published profiles gained (or lost)
  };
  // Own profiles are written through these, which keep the published count.
  bool own_published(const std::string& id) const;
  void put_profile(const std::string& id, capnp::MallocMessageBuilder& message);
  void delete_profile(const std::string& id);
  bool replica_published(const store::StagingBatch& batch, const std::string& id) const;
  // The events of `origin` in this node's log that carry the organisation's data,
  // to redact on erasure (at home, and in the relayed copies of a peer's events).
  Status redact_action_details(const std::set<std::string>& targets);
  Status redact_events_of(rocksdb::WriteBatch& batch, const std::string& origin,
                          const std::string& org_id);

  struct PendingAction {
    int64_t at_us;
    std::string actor;
    std::string action;
    std::string detail;
    std::vector<std::string> targets;
  };
  std::vector<PendingAction> staged_actions_;
  store::StagingBatch batch_;
  outbox::Queue outbox_;
  NationalIdIndex national_ids_;
  Generation staging_;
  Generation in_flight_;
  std::map<std::string, uint64_t> counters_;  // staged values, reloaded on abort
  std::set<std::string> dirty_counters_;      // changed since the last commit
  int64_t own_published_ = 0;
  int64_t replica_published_ = 0;
  int64_t replica_published_delta_ = 0;
  uint64_t organisations_ = 0;
  bool replica_erasures_ = false;  // a peer's erasure is in the subscriber's batch
  bool writes_paused_ = false;
  uint64_t restored_public_only_ = 0;
  // Erasure leaves tombstones, and the old bytes sit in the WAL and SST files until
  // flush and compaction: once an erasure's batch is durable, this removes them.
  store::Scrubber scrubber_{store_};
};

// Brokers act for every organisation of their node; an integration (a partner's
// portal) only for those it registered.
Status may_act_for(const transport::Identity& caller, wire::Organisation::Reader org);
bool sees_contacts(const transport::Identity& caller, wire::Organisation::Reader org);

// Copies the public classification of an organisation (name only when `named`).
void fill_public(wire::PublicOrganisation::Builder out, wire::Organisation::Reader org, bool named);

}  // namespace gosmart::registry
