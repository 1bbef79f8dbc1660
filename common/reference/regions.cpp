#include "common/reference/regions.hpp"

namespace gosmart::reference {

bool is_nuts2_for(std::string_view region, std::string_view country) {
  if (region.size() != 4 || region.substr(0, 2) != country) return false;
  return std::all_of(region.begin() + 2, region.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

}  // namespace gosmart::reference
