#pragma once
// Test-only break points: deliberate bugs compiled into the product so that CI can
// show that the tests catch them (tests/run_breaks.sh). A break is a condition,
//   if (GOSMART_BREAK_POINT("outbox.skip_settle")) { ...the broken way... }
// true only in a build configured with -DGOSMART_BREAKS=ON whose process runs with
// the environment variable GOSMART_BREAK naming that break. Any other build sees the
// constant `false`: the broken branch is dead code the compiler drops, and release
// code has no test on it. A macro, not a function, so that translation units built
// with and without the option cannot disagree about one inline definition.
//
// Only libraries that gosmart_break_points() names in CMake get the option: a break
// written elsewhere stays false, no test catches it, and run_breaks.sh fails.
#include <string_view>

namespace gosmart {

// True when GOSMART_BREAK names `name` (read once). Says so on stderr the first time.
bool break_armed(std::string_view name);

}  // namespace gosmart

#if defined(GOSMART_BREAKS)
#define GOSMART_BREAK_POINT(name) (::gosmart::break_armed(name))
#else
#define GOSMART_BREAK_POINT(name) (false)
#endif
