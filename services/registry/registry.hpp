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
#include "common/store/store.hpp"
#include "schemas/registry.capnp.h"
#include "services/registry/action_log.hpp"
#include "services/registry/domain/lifecycle.hpp"
#include "services/registry/domain/validation.hpp"
#include "services/registry/eois.hpp"
#include "services/registry/organisations.hpp"
#include "services/registry/profiles.hpp"
#include "services/registry/registry_stage.hpp"
#include "services/registry/replicas.hpp"

namespace gosmart::registry {

std::vector<std::string> registry_column_families();

// The registry: its parts over one stage, and the work that spans them (erasure,
// a restore from a backup). Tests and main.cpp see it whole; each part's header
// says what it manages.
class Registry {
 public:
  Registry(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
           RegistryOptions options);

  // Installs every request handler of the registry on `server`.
  void install(service::ApiServer& server);
  // The kept replies of writes: erasure drops those that carry the organisation's data.
  void set_idempotency(service::IdempotencyStore* kept_replies) {
    stage_.kept_replies = kept_replies;
  }

  // The group commit, pipelined (registry_stage.hpp).
  bool has_changes() const { return stage_.has_changes() || actions_.has_pending(); }
  rocksdb::WriteBatch seal() {
    return stage_.seal([this] { actions_.write_actions(); });  // numbers before counters
  }
  const std::vector<replication::StagedEvent>& in_flight_events() const {
    return stage_.in_flight.events;
  }
  const std::vector<replication::StagedEvent>& staged_events() const {
    return stage_.staging.events;
  }
  void landed() { stage_.landed(); }  // durable (erased records are compacted now)
  void lost() {                       // it failed: forget it and everything staged since
    actions_.lost();
    stage_.lost();
  }

  // Public replicas of peers' records, applied from their event streams.
  Status apply_peer_event(const DecodedEnvelope& event, store::StagingBatch& batch) {
    return replicas_.apply_peer_event(event, batch);
  }
  void replicas_committed() { replicas_.committed(); }
  void replicas_aborted() { replicas_.aborted(); }
  // Erasures whose batches landed are scrubbed from every file by now (tests).
  void wait_for_scrub() { stage_.scrubber.wait_idle(); }

  // Requests to peer registries, staged with the change that causes them
  // (peer_outbox.hpp sends them); the outbox removes an answered one in the batch
  // being staged, with the change its answer settles.
  outbox::Queue& outbox() { return stage_.outbox; }
  rocksdb::WriteBatch& staged_batch() { return stage_.batch.batch(); }

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
  uint64_t organisations() const { return stage_.organisations; }
  uint64_t profiles_published() const { return static_cast<uint64_t>(stage_.own_published); }
  uint64_t replica_profiles_published() const { return replicas_.published_count(); }

  // Published profiles whose expiry date has passed become expired (into the
  // current batch); returns how many. Run at start and from a timer.
  std::size_t expire_due() { return profiles_.expire_due(); }

  // The request handlers, public so that the logic is testable without sockets.
  using Reply = Result<std::string>;
  using Request = service::Request;
  Reply register_org(const Request& r, bool update) { return orgs_.register_org(r, update); }
  Reply get_org(const Request& r) { return orgs_.get_org(r); }
  Reply set_contact_preferences(const Request& r) { return orgs_.set_contact_preferences(r); }
  Reply list_orgs(const Request& r) { return orgs_.list_orgs(r); }
  Reply submit_profile(const Request& r) { return profiles_.submit_profile(r); }
  Reply transition_profile(const Request& r) { return profiles_.transition_profile(r); }
  Reply get_profile(const Request& r) { return profiles_.get_profile(r); }
  Reply list_profiles(const Request& r) { return profiles_.list_profiles(r); }
  Reply erase_org(const Request& request);
  Reply list_actions(const Request& r) { return actions_.list_actions(r); }
  Reply state_digest(const Request& r) { return replicas_.state_digest(r); }
  Reply send_eoi(const Request& r) { return eois_.send_eoi(r); }
  Reply answer_eoi(const Request& r) { return eois_.answer_eoi(r); }
  Reply advance_eoi(const Request& r) { return eois_.advance_eoi(r); }
  Reply get_eoi(const Request& r) { return eois_.get_eoi(r); }
  Reply peer_deliver(const Request& r) { return eois_.peer_deliver(r); }
  Reply peer_update(const Request& r) { return eois_.peer_update(r); }
  void delivered(const std::string& eoi_id) { eois_.delivered(eoi_id); }
  void undeliverable(const std::string& eoi_id, const std::string& reason) {
    eois_.undeliverable(eoi_id, reason);
  }

 private:
  // The erasure of an organisation's records (tombstone, profiles, kept replies,
  // its part in expressions of interest).
  Status erase_records(const std::string& id, wire::Organisation::Reader old,
                       std::vector<std::string>& withdrawn);
  Status restore_org(wire::PublicOrganisation::Reader org, int64_t at_us);
  Status restore_profile(wire::Profile::Reader profile);
  Status restore_status(wire::ProfileStatusEvent::Reader status);
  Status restore_erasure(const std::string& id);

  RegistryStage stage_;
  ActionLog actions_{stage_};
  Organisations orgs_{stage_, actions_};
  Profiles profiles_{stage_, orgs_, actions_};
  Eois eois_{stage_, orgs_, actions_};
  Replicas replicas_{stage_, eois_};
  bool writes_paused_ = false;
  uint64_t restored_public_only_ = 0;
};

}  // namespace gosmart::registry
