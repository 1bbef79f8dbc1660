#pragma once
// The registry's own settings: [registry] of the node's config, read as strictly as
// the rest (an unknown key or a bad value is a ConfigError naming it).
#include <cstdint>

#include "common/config/config.hpp"

namespace gosmart::registry {

struct RegistrySettings {
  uint32_t max_open_eois_per_org = 10;  // open expressions of interest per organisation
};

RegistrySettings registry_settings(const config::NodeConfig& node);

}  // namespace gosmart::registry
