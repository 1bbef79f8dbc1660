#pragma once
// The registry's request table as Registry::install() sets it up (type, roles that
// may call it, handler), callable without an ApiServer and its socket. Keep it in
// step with Registry::install(): registry_request_fuzz.cpp picks a route by a byte
// of its input (index registry_routes().size(): a peer's event) and make_seeds.cpp
// names the routes of its seeds by type.
#include <set>
#include <string_view>
#include <vector>

#include "services/registry/registry.hpp"

namespace gosmart::fuzz {

struct RegistryRoute {
  std::string_view type;
  std::set<config::Role> roles;
  Result<std::string> (*handler)(registry::Registry&, const service::Request&);
};

inline const std::vector<RegistryRoute>& registry_routes() {
  using config::Role;
  using registry::Registry;
  using service::Request;
  const std::set<Role> writers = {Role::broker, Role::integration};
  const std::set<Role> readers = {Role::broker, Role::integration, Role::monitor};
  static const std::vector<RegistryRoute> routes = {
      {"registry.org.register", writers,
       [](Registry& r, const Request& q) { return r.register_org(q, false); }},
      {"registry.org.update", writers,
       [](Registry& r, const Request& q) { return r.register_org(q, true); }},
      {"registry.org.get", readers, [](Registry& r, const Request& q) { return r.get_org(q); }},
      {"registry.org.list", readers, [](Registry& r, const Request& q) { return r.list_orgs(q); }},
      {"registry.profile.submit", writers,
       [](Registry& r, const Request& q) { return r.submit_profile(q); }},
      {"registry.profile.transition", writers,
       [](Registry& r, const Request& q) { return r.transition_profile(q); }},
      {"registry.actions.list",
       {Role::broker, Role::monitor},
       [](Registry& r, const Request& q) { return r.list_actions(q); }},
      {"registry.org.erase",
       {Role::broker},
       [](Registry& r, const Request& q) { return r.erase_org(q); }},
      {"registry.state.digest", readers,
       [](Registry& r, const Request& q) { return r.state_digest(q); }},
      {"registry.eoi.send", writers, [](Registry& r, const Request& q) { return r.send_eoi(q); }},
      {"registry.eoi.answer", writers,
       [](Registry& r, const Request& q) { return r.answer_eoi(q); }},
      {"registry.eoi.advance", writers,
       [](Registry& r, const Request& q) { return r.advance_eoi(q); }},
      {"registry.eoi.get", readers, [](Registry& r, const Request& q) { return r.get_eoi(q); }},
      {"registry.eoi.deliver",
       {Role::peer},
       [](Registry& r, const Request& q) { return r.peer_deliver(q); }},
      {"registry.eoi.update",
       {Role::peer},
       [](Registry& r, const Request& q) { return r.peer_update(q); }},
      {"registry.profile.get", readers,
       [](Registry& r, const Request& q) { return r.get_profile(q); }},
      {"registry.profile.list", readers,
       [](Registry& r, const Request& q) { return r.list_profiles(q); }},
  };
  return routes;
}

}  // namespace gosmart::fuzz
