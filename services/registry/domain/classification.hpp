#pragma once
// Derived classifications: the EU size class and the human-readable references.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schemas/registry.capnp.h"

namespace gosmart::registry {

// Commission Recommendation 2003/361/EC: micro < 10 staff and turnover or balance
// sheet ≤ €2 M; small < 50 and ≤ €10 M; medium < 250 and turnover ≤ €50 M or
// balance sheet ≤ €43 M; large otherwise. Unknown when nothing is given.
wire::SizeClass size_class(uint32_t headcount, uint64_t turnover_eur, uint64_t balance_eur);

// The helix an organisation type belongs to (business, research, government, civil society).
wire::Helix helix_of(wire::OrgType type);

// BO, BR, TO, TR, RDR.
std::string_view kind_code(wire::ProfileKind kind);

// "TOPL20261130001": kind, country, date (YYYYMMDD), the day's number (≥ 3 digits).
std::string profile_reference(wire::ProfileKind kind, std::string_view country,
                              std::string_view yyyymmdd, uint32_t number);

struct ParsedReference {
  wire::ProfileKind kind = wire::ProfileKind::UNKNOWN;
  std::string country;
  std::string date;  // YYYYMMDD
  uint32_t number = 0;
};
std::optional<ParsedReference> parse_profile_reference(std::string_view reference);

// "PL-000042": the home country and a sequence number; sorts by creation.
std::string organisation_id(std::string_view country, uint64_t sequence);
bool is_organisation_id(std::string_view id);

}  // namespace gosmart::registry
