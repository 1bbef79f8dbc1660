#pragma once
// Where an organisation is: ISO 3166-1 alpha-2 countries and their NUTS 2 regions
// (Eurostat's Nomenclature of Territorial Units for Statistics, level 2).
#include <algorithm>
#include <string_view>

namespace gosmart::reference {

// ISO 3166-1 alpha-2 shape: two upper-case ASCII letters. Header-only because the
// envelope and replication check every frame's origin with it. Membership of the
// federation is a config question (NodeConfig::is_member).
inline bool is_country_code(std::string_view text) {
  return text.size() == 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// NUTS 2: the country's code followed by two characters, e.g. "PL91", "DE30", "FI1B".
bool is_nuts2_for(std::string_view region, std::string_view country);

}  // namespace gosmart::reference
