#pragma once
// A calendar day written YYYY-MM-DD, as the registry stores a profile's last day.

#include <optional>
#include <string_view>

namespace gosmart::notifier {

struct IsoDay {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;    // 1-31 (not checked against the month: ICU's calendar rolls over)
};

// The day, or nothing for text that is not ten characters of YYYY-MM-DD with a
// month 1-12 and a day 1-31.
inline std::optional<IsoDay> parse_iso_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](std::size_t from, std::size_t count) {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  IsoDay day{digits(0, 4), digits(5, 2), digits(8, 2)};
  if (day.year < 0 || day.month < 1 || day.month > 12 || day.day < 1 || day.day > 31) {
    return std::nullopt;
  }
  return day;
}

}  // namespace gosmart::notifier
