#pragma once
#include <algorithm>
#include <string_view>

namespace gosmart {

// ISO 3166-1 alpha-2 shape: two upper-case ASCII letters. Membership of the
// federation is a config question (NodeConfig::is_member).
inline bool is_country_code(std::string_view text) {
  return text.size() == 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace gosmart
