#pragma once
#include <string>

namespace gosmart::registry {

// Cap'n Proto text (reader or builder) as a std::string.
template <class Text>
std::string text_of(Text text) {
  return std::string(text.begin(), text.end());
}

}  // namespace gosmart::registry
