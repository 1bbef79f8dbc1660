#pragma once
// The parser behind Section, seen only by common/config's own .cpp files.
#include <toml++/toml.h>

#include "common/config/section.hpp"

namespace gosmart::config {

struct Section::Table {
  toml::table toml;
};

}  // namespace gosmart::config
