#pragma once
// What the registry's own parts (organisations, profiles, eois, actions, replicas,
// erasure, restore, registry.cpp) share and nothing else includes: the roles
// that read and write, bounds, and small helpers over stored records.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/core/result.hpp"
#include "common/reference/formats.hpp"
#include "common/reference/text.hpp"
#include "common/service/api_server.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/store.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::registry::internal {

using config::Role;
using reference::is_iso_date;
using reference::text_of;
using Stored = std::optional<std::string>;

inline const std::set<config::Role> kWriters = {config::Role::broker, config::Role::integration};
inline const std::set<config::Role> kReaders = {config::Role::broker, config::Role::integration,
                                                config::Role::monitor, config::Role::notifier};
// A broker's free text (revision comment, erasure reason), kept in the action log:
// bounded so that a page of the log fits in a reply.
inline constexpr std::size_t kMaxReasonBytes = 2000;

template <class T>
Result<typename T::Reader> request_payload(const service::Request& request) {
  return request.envelope.payload<T>();
}

inline Failure not_found(const std::string& what, const std::string& id) {
  return fail(ErrorCode::NOT_FOUND, what + " " + id + " does not exist", "id");
}

// Published profiles in a column family (own or replicas), counted at start.
inline uint64_t count_published(const store::Store& store, const char* cf) {
  uint64_t count = 0;
  auto it = store.iterate(store.cf(cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto profile = store::StoredValue<wire::Profile>::parse(it->value().ToStringView());
    if (profile && profile->get().getStatus() == wire::ProfileStatus::PUBLISHED) ++count;
  }
  return count;
}

inline bool published(const std::optional<std::string>& bytes) {
  if (!bytes) return false;
  auto profile = store::StoredValue<wire::Profile>::parse(*bytes);
  return profile && profile->get().getStatus() == wire::ProfileStatus::PUBLISHED;
}

}  // namespace gosmart::registry::internal
