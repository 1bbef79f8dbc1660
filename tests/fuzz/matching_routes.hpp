#pragma once
// The matching service's request table as MatchingCore::install() sets it up (type,
// roles that may call it, handler), callable without an ApiServer and its socket.
// Keep it in step with MatchingCore::install(): matching_request_fuzz.cpp picks a
// route by a byte of its input; index routes().size() is the registry stream's
// applier, and make_seeds.cpp names the routes of its seeds by type.
#include <set>
#include <string_view>
#include <vector>

#include "services/matching/matching.hpp"

namespace gosmart::fuzz {

inline constexpr std::string_view kMatchingApplyRoute = "apply";  // a registry event

struct MatchingRoute {
  std::string_view type;
  std::set<config::Role> roles;
  Result<std::string> (*handler)(matching::MatchingCore&, const service::Request&);
};

inline const std::vector<MatchingRoute>& matching_routes() {
  using config::Role;
  using matching::MatchingCore;
  using service::Request;
  const std::set<Role> readers = {Role::broker, Role::integration, Role::monitor};
  static const std::vector<MatchingRoute> routes = {
      {"matching.partners", readers,
       [](MatchingCore& m, const Request& q) { return m.partners(q); }},
      {"matching.search", readers, [](MatchingCore& m, const Request& q) { return m.search(q); }},
      {"matching.queue",
       {Role::broker, Role::monitor},
       [](MatchingCore& m, const Request& q) { return m.queue(q); }},
      {"matching.decide",
       {Role::broker},
       [](MatchingCore& m, const Request& q) { return m.decide(q); }},
      {"matching.match.get", readers,
       [](MatchingCore& m, const Request& q) { return m.get_match(q); }},
  };
  return routes;
}

}  // namespace gosmart::fuzz
