#pragma once
// The matching service's own settings: [matching] and [matching.weights] of the
// node's config, read as strictly as the rest (an unknown key or a bad value is a
// ConfigError naming it).
#include "common/config/config.hpp"
#include "services/matching/matching.hpp"

namespace gosmart::matching {

MatchingOptions matching_options(const config::NodeConfig& node);

}  // namespace gosmart::matching
