#include "services/matching/domain/nace.hpp"

#include "common/reference/nace.hpp"

namespace gosmart::matching {

std::optional<NaceCode> parse_nace(std::string_view code) {
  if (!reference::is_nace_code(code)) return std::nullopt;
  NaceCode out;
  out.division = static_cast<uint8_t>((code[0] - '0') * 10 + (code[1] - '0'));
  out.section = *reference::nace_section(out.division);
  if (code.size() >= 4) out.group = static_cast<int8_t>(code[3] - '0');
  if (code.size() == 5) out.cls = static_cast<int8_t>(code[4] - '0');
  return out;
}

NaceLevel shared_level(const NaceCode& a, const NaceCode& b) {
  if (a.section == 0 || a.section != b.section) return NaceLevel::none;
  if (a.division != b.division) return NaceLevel::section;
  if (a.group < 0 || a.group != b.group) return NaceLevel::division;
  if (a.cls < 0 || a.cls != b.cls) return NaceLevel::group;
  return NaceLevel::cls;
}

double closeness(NaceLevel level) {
  switch (level) {
    case NaceLevel::cls:
      return 1.0;
    case NaceLevel::group:
      return 0.75;
    case NaceLevel::division:
      return 0.5;
    case NaceLevel::section:
      return 0.25;
    case NaceLevel::none:
      return 0.0;
  }
  return 0.0;
}

const char* level_name(NaceLevel level) {
  switch (level) {
    case NaceLevel::cls:
      return "class";
    case NaceLevel::group:
      return "group";
    case NaceLevel::division:
      return "division";
    case NaceLevel::section:
      return "section";
    case NaceLevel::none:
      return "none";
  }
  return "none";
}

}  // namespace gosmart::matching
