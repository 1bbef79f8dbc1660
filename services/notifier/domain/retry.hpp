#pragma once
// When a failed send is tried again: exponential back-off with jitter, so that a
// relay that comes back is not met by every message at the same instant.
#include <cstdint>
#include <string>

namespace gosmart::notifier {

struct RetryPolicy {
  int max_attempts = 8;        // sends in all before a message is a dead letter
  int64_t base_ms = 2000;      // the wait after the first failure, before jitter
  int64_t cap_ms = 3'600'000;  // no wait is longer (an hour)
};

// The wait after failed attempt number `attempt` (1 = the first send failed):
// min(cap, base * 2^(attempt-1)) scaled by a factor in [0.5, 1.0] drawn from
// `random` ("equal jitter": never less than half, so a relay is not hammered).
int64_t next_delay_ms(const RetryPolicy& policy, int attempt, uint64_t random);

// Whether `attempts` failed sends use up the policy.
inline bool exhausted(const RetryPolicy& policy, int attempts) {
  return attempts >= policy.max_attempts;
}

// Whether a failed send's answer is final. SMTP: a 5xx reply. A webhook's HTTP
// status: a 4xx, except a timeout (408) or a "slow down" (429); and a redirect
// (3xx), which is not followed: the portal must register the URL it answers on, and
// asking again would be redirected again. An HTTP 5xx, or no answer, may pass.
bool refused_for_good(bool http, long code);

// Whether a failed send's cause is the relay's, not the one recipient's, so every
// message would fail the same way: the relay was not reached or refused the session
// (`reached` false: no connection, no TLS, no login), gave no reply at all (`code`
// 0), or is closing down (421). Then a lane waits with its message; otherwise the
// message steps aside and the lane goes on with other recipients (a mailbox that
// stalls or answers 4xx, a webhook that times out or answers 500 or 429, each
// webhook being its own server). `code` is the last reply's.
bool fails_every_recipient(bool http, bool reached, long code);

// A failure in words, without the reply's text (it echoes addresses): "SMTP 451:
// <error>" when the reply was the failure; else the error with the last reply, which
// was a good one ("Timeout was reached (after SMTP 250)").
std::string failure_reason(bool http, long code, const std::string& error);

}  // namespace gosmart::notifier
