#include "services/matching/domain/calendar.hpp"

#include <chrono>

namespace gosmart::matching {

std::optional<int32_t> day_number(std::string_view iso_date) {
  if (iso_date.size() != 10 || iso_date[4] != '-' || iso_date[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (iso_date[i] < '0' || iso_date[i] > '9') return std::nullopt;
      value = value * 10 + (iso_date[i] - '0');
    }
    return value;
  };
  auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (!y || !m || !d) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(*y),
                                   std::chrono::month(static_cast<unsigned>(*m)),
                                   std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  return static_cast<int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
}

int32_t today_number() {
  auto now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int32_t>(now.time_since_epoch().count());
}

}  // namespace gosmart::matching
