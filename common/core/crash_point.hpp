#pragma once
// Test-only crash points: `crash_point("outbox.after_ack")` kills this process with
// SIGKILL when the environment variable GOSMART_CRASH_AT names that point, so a fault
// test can crash a service at an exact place between two steps (a peer's ack and the
// commit that settles it, say) instead of hoping a timed kill lands there. The
// variable is read once; unset (always, in production) a point costs one compare.
#include <string_view>

namespace gosmart {

void crash_point(std::string_view name);
// Whether GOSMART_CRASH_AT names `name`: for a test-only break that must let what it
// did leave the process before the crash (tools/replication-probe).
bool crash_point_armed(std::string_view name);

}  // namespace gosmart
