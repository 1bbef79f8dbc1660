#include "common/reference/nace.hpp"

#include <algorithm>
#include <iterator>

namespace gosmart::reference {
namespace {

struct DivisionRange {
  int first;
  int last;
  char section;
};

// NACE Rev.2 sections by their divisions (Regulation (EC) No 1893/2006, Annex I).
constexpr DivisionRange kSections[] = {
    {1, 3, 'A'},   {5, 9, 'B'},   {10, 33, 'C'}, {35, 35, 'D'}, {36, 39, 'E'}, {41, 43, 'F'},
    {45, 47, 'G'}, {49, 53, 'H'}, {55, 56, 'I'}, {58, 63, 'J'}, {64, 66, 'K'}, {68, 68, 'L'},
    {69, 75, 'M'}, {77, 82, 'N'}, {84, 84, 'O'}, {85, 85, 'P'}, {86, 88, 'Q'}, {90, 93, 'R'},
    {94, 96, 'S'}, {97, 98, 'T'}, {99, 99, 'U'},
};

// Division numbers inside those ranges that the classification leaves unused.
constexpr int kUnusedDivisions[] = {4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<char> nace_section(int division) {
  if (std::find(std::begin(kUnusedDivisions), std::end(kUnusedDivisions), division) !=
      std::end(kUnusedDivisions)) {
    return std::nullopt;
  }
  for (const auto& range : kSections) {
    if (division >= range.first && division <= range.last) return range.section;
  }
  return std::nullopt;
}

bool is_nace_code(std::string_view code) {
  if (code.size() != 2 && code.size() != 4 && code.size() != 5) return false;
  if (!is_digit(code[0]) || !is_digit(code[1])) return false;
  if (code.size() > 2 && (code[2] != '.' || !is_digit(code[3]))) return false;
  if (code.size() == 5 && !is_digit(code[4])) return false;
  return nace_section((code[0] - '0') * 10 + (code[1] - '0')).has_value();
}

}  // namespace gosmart::reference
