#pragma once
#include <string>

namespace gosmart::reference {

// Cap'n Proto text (reader or builder) as a std::string; a template so that this
// library needs no Cap'n Proto of its own.
template <class Text>
std::string text_of(Text text) {
  return std::string(text.begin(), text.end());
}

}  // namespace gosmart::reference
