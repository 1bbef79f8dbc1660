#pragma once
// Days since 1970-01-01 (UTC), the unit of the matching's date rules: expiry (the
// `expiresOn` day is the last day a profile is shown and matched) and freshness.
#include <cstdint>
#include <optional>
#include <string_view>

namespace gosmart::matching {

// "YYYY-MM-DD" as days since 1970-01-01; nullopt for anything else.
std::optional<int32_t> day_number(std::string_view iso_date);
// Today (UTC) as days since 1970-01-01.
int32_t today_number();

}  // namespace gosmart::matching
