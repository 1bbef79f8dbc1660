#include "services/registry/registry.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include <chrono>
#include <ctime>

#include "common/core/break_point.hpp"
#include "common/reference/formats.hpp"
#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "services/registry/domain/classification.hpp"
#include "services/registry/registry_internal.hpp"

namespace gosmart::registry {

using namespace internal;

std::vector<std::string> registry_column_families() {
  auto families = replication::event_log_column_families();
  for (const char* name :
       {kOrgs, kProfiles, kReplicaOrgs, kReplicaProfiles, kCounters, kCursors, kEois, kEoiOpen,
        kOutbox, kActions, kNationalIds, service::kIdempotencyFamily}) {
    families.push_back(name);
  }
  return families;
}

std::string today_utc() {
  // Asked on every request; the date only changes once a day.
  thread_local std::time_t cached_day = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now / 86400 == cached_day) return cached;
  cached_day = now / 86400;
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[11];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  cached = text;
  return cached;
}

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

Registry::Registry(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
                   RegistryOptions options)
    : store_(store),
      log_(log),
      info_(std::move(info)),
      options_(std::move(options)),
      batch_(store),
      outbox_(store, kOutbox),
      national_ids_(options_.country, options_.index_secret) {
  if (!options_.today) options_.today = today_utc;
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
    ++organisations_;
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
  own_published_ = static_cast<int64_t>(count_published(store_, kProfiles));
  replica_published_ = static_cast<int64_t>(count_published(store_, kReplicaProfiles));
}

ValidationContext Registry::context() const {
  return {options_.country, options_.members, options_.languages, options_.today()};
}

uint64_t Registry::next_counter(const std::string& key) {
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    auto stored = store_.get(store_.cf(kCounters), key);
    uint64_t value = 0;
    if (stored && stored.value()) value = store::keys::read_u64(*stored.value()).value_or(0);
    it = counters_.emplace(key, value).first;
  }
  ++it->second;
  dirty_counters_.insert(key);
  return it->second;
}

rocksdb::WriteBatch Registry::seal() {
  write_actions();  // takes action numbers: before the counters are written
  // Counters go into the batch once per commit, not once per use: a bulk import
  // would otherwise write the organisation sequence hundreds of times a batch.
  for (const auto& key : dirty_counters_) {
    batch_.put(store_.cf(kCounters), key, store::keys::u64(counters_.at(key)));
  }
  dirty_counters_.clear();
  in_flight_ = std::move(staging_);
  staging_ = Generation{};
  return batch_.seal();
}

void Registry::landed() {
  batch_.landed();
  organisations_ += in_flight_.new_organisations;
  organisations_ -= std::min<uint64_t>(organisations_, in_flight_.erased.size());
  own_published_ += in_flight_.published_delta;
  if (!in_flight_.erased.empty()) scrubber_.request();
  in_flight_ = Generation{};
}

void Registry::lost() {
  staged_actions_.clear();
  dirty_counters_.clear();
  batch_.lost();
  counters_.clear();  // reloaded from the store on next use
  staging_ = Generation{};
  in_flight_ = Generation{};
}

void Registry::emit_org_public(wire::Organisation::Reader org) {
  staging_.events.push_back(log_.append<wire::OrgPublicEvent>(
      batch_.batch(), wire_type(wire::REGISTRY_ORG_PUBLIC),
      [&](auto event) { fill_public(event.initOrganisation(), org, false); }));
}

Result<std::string> Registry::eoi_reply_concerns(const service::Request& request,
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

void Registry::install(service::ApiServer& server) {
  // While events lost by a restore are fetched back from the peers, a write would
  // take a number that is still to come back: it is answered `unavailable` instead.
  auto handle_write = [this, &server](std::string_view type, std::set<Role> roles,
                                      service::ApiServer::Handler handler) {
    server.handle_write(type, std::move(roles),
                        [this, handler = std::move(handler)](
                            const service::Request& request) -> Result<std::string> {
                          if (writes_paused_) {
                            return fail(ErrorCode::UNAVAILABLE,
                                        "recovering events lost by a restore from the peers; "
                                        "try again shortly");
                          }
                          return handler(request);
                        });
  };
  handle_write(wire_type(wire::REGISTRY_ORG_REGISTER), kWriters,
               [this](const service::Request& r) { return register_org(r, false); });
  handle_write(wire_type(wire::REGISTRY_ORG_UPDATE), kWriters,
               [this](const service::Request& r) { return register_org(r, true); });
  handle_write(wire_type(wire::REGISTRY_CONTACT_PREFERENCES),
               {Role::broker, Role::integration, Role::notifier},
               [this](const service::Request& r) { return set_contact_preferences(r); });
  server.handle(wire_type(wire::REGISTRY_ORG_GET), kReaders,
                [this](const service::Request& r) { return get_org(r); });
  server.handle(wire_type(wire::REGISTRY_ORG_LIST), kReaders,
                [this](const service::Request& r) { return list_orgs(r); });
  handle_write(wire_type(wire::REGISTRY_PROFILE_SUBMIT), kWriters,
               [this](const service::Request& r) { return submit_profile(r); });
  handle_write(wire_type(wire::REGISTRY_PROFILE_TRANSITION),
               {Role::broker, Role::integration, Role::notifier},
               [this](const service::Request& r) { return transition_profile(r); });
  server.handle(wire_type(wire::REGISTRY_ACTIONS_LIST), {Role::broker, Role::monitor},
                [this](const service::Request& r) { return list_actions(r); });
  handle_write(wire_type(wire::REGISTRY_ORG_ERASE), {Role::broker},
               [this](const service::Request& r) { return erase_org(r); });
  server.handle(wire_type(wire::REGISTRY_STATE_DIGEST), kReaders,
                [this](const service::Request& r) { return state_digest(r); });
  handle_write(wire_type(wire::REGISTRY_EOI_SEND), kWriters,
               [this](const service::Request& r) { return eoi_reply_concerns(r, send_eoi(r)); });
  handle_write(wire_type(wire::REGISTRY_EOI_ANSWER), kWriters,
               [this](const service::Request& r) { return eoi_reply_concerns(r, answer_eoi(r)); });
  handle_write(wire_type(wire::REGISTRY_EOI_ADVANCE), kWriters,
               [this](const service::Request& r) { return eoi_reply_concerns(r, advance_eoi(r)); });
  server.handle(wire_type(wire::REGISTRY_EOI_GET), kReaders,
                [this](const service::Request& r) { return get_eoi(r); });
  handle_write(wire_type(wire::REGISTRY_EOI_DELIVER), {Role::peer},
               [this](const service::Request& r) { return peer_deliver(r); });
  handle_write(wire_type(wire::REGISTRY_EOI_UPDATE), {Role::peer},
               [this](const service::Request& r) { return peer_update(r); });
  server.handle(wire_type(wire::REGISTRY_PROFILE_GET), kReaders,
                [this](const service::Request& r) { return get_profile(r); });
  server.handle(wire_type(wire::REGISTRY_PROFILE_LIST), kReaders,
                [this](const service::Request& r) { return list_profiles(r); });
}

}  // namespace gosmart::registry
