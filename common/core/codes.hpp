#pragma once
// The country-code shape check moved to common/reference/regions.hpp with the other
// reference data; this name stays until common/config (being reshaped elsewhere)
// includes that header itself. New code includes common/reference/regions.hpp.
#include "common/reference/regions.hpp"

namespace gosmart {

using reference::is_country_code;

}  // namespace gosmart
