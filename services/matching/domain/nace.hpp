#pragma once
// NACE Rev.2 closeness: two activities are as close as the deepest level of the
// classification they share (Regulation (EC) No 1893/2006: section A-U, division
// "28", group "28.9", class "28.99").
#include <cstdint>
#include <optional>
#include <string_view>

namespace gosmart::matching {

struct NaceCode {
  char section = 0;      // 'A'..'U'
  uint8_t division = 0;  // 1..99
  int8_t group = -1;     // third digit, -1 when the code stops at the division
  int8_t cls = -1;       // fourth digit, -1 when the code stops at the group
};

std::optional<NaceCode> parse_nace(std::string_view code);

enum class NaceLevel { none, section, division, group, cls };
NaceLevel shared_level(const NaceCode& a, const NaceCode& b);
// 1 for the same class, 0.75 group, 0.5 division, 0.25 section, 0 otherwise.
double closeness(NaceLevel level);
const char* level_name(NaceLevel level);

}  // namespace gosmart::matching
