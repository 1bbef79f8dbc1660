#pragma once
// NACE Rev.2, the EU's classification of economic activities (Regulation (EC)
// No 1893/2006, Annex I): 21 sections A-U over two-digit divisions, then groups
// ("26.1") and classes ("26.11").
#include <cstddef>
#include <optional>
#include <string_view>

namespace gosmart::reference {

// The section letter (A-U) of a two-digit division, or none if the division does
// not exist.
std::optional<char> nace_section(int division);

// "26", "26.1" or "26.11" as NACE Rev.2 has them: a division, group or class that
// exists ("26.99" does not); sections alone are not activities.
bool is_nace_code(std::string_view code);
// How many classes the table holds (615): tests check the table is whole.
std::size_t nace_class_count();

}  // namespace gosmart::reference
