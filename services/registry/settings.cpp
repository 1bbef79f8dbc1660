#include "services/registry/settings.hpp"

namespace gosmart::registry {

RegistrySettings registry_settings(const config::NodeConfig& node) {
  RegistrySettings settings;
  auto section = node.section("registry");
  settings.max_open_eois_per_org = static_cast<uint32_t>(
      section.integer("max_open_eois_per_org", 1, 10'000).value_or(settings.max_open_eois_per_org));
  section.finish();
  return settings;
}

}  // namespace gosmart::registry
