// The registry whole: its parts over one stage and the table of its requests.
#include "services/registry/registry.hpp"

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

Registry::Registry(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
                   RegistryOptions options)
    : stage_(store, log, std::move(info), std::move(options)) {
  stage_.own_published = static_cast<int64_t>(count_published(store, kProfiles));
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
  handle_write(wire_type(wire::REGISTRY_EOI_SEND), kWriters, [this](const service::Request& r) {
    return eois_.eoi_reply_concerns(r, send_eoi(r));
  });
  handle_write(wire_type(wire::REGISTRY_EOI_ANSWER), kWriters, [this](const service::Request& r) {
    return eois_.eoi_reply_concerns(r, answer_eoi(r));
  });
  handle_write(wire_type(wire::REGISTRY_EOI_ADVANCE), kWriters, [this](const service::Request& r) {
    return eois_.eoi_reply_concerns(r, advance_eoi(r));
  });
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
