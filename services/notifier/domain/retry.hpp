#pragma once
// When a failed send is tried again: exponential back-off with jitter, so that a
// relay that comes back is not met by every message at the same instant.
#include <cstdint>
#include <string>
#include <string_view>

namespace gosmart::notifier {

struct RetryPolicy {
  int max_attempts = 8;        // failed sends counted before a message is a dead letter
  int64_t base_ms = 2000;      // the wait after the first failure, before jitter
  int64_t cap_ms = 3'600'000;  // no wait is longer (an hour)
  // And no message is given up sooner than this after its first counted failure: a
  // greylisting relay or a full mailbox asks to come back in minutes or hours, which
  // a quick back-off would use up in seconds (outside findings: a relay answering
  // every RCPT with 451 made dead letters of all). RFC 5321 4.5.4.1 has MTAs try for
  // 4-5 days; an alert is stale sooner, so a day.
  int64_t give_up_after_ms = 86'400'000;
};

// A relay-wide failure (fails_every_recipient) is not counted against a message:
// its lane waits, with this back-off by the relay's failures in a row, however long
// the relay is down, so that an outage makes no dead letters (outside findings: a
// relay answering MAIL FROM with 451 for 50 s made four). Capped at a minute, so
// that mail flows again soon after the relay is back.
inline constexpr int64_t kRelayRetryCapMs = 60'000;

// The wait after failed attempt number `attempt` (1 = the first send failed):
// min(cap, base * 2^(attempt-1)) scaled by a factor in [0.5, 1.0] drawn from
// `random` ("equal jitter": never less than half, so a relay is not hammered).
int64_t next_delay_ms(const RetryPolicy& policy, int attempt, uint64_t random);

// Whether `attempts` counted failures, the first `failing_for_ms` ago, use up the
// policy: both the attempts and the time are spent.
inline bool exhausted(const RetryPolicy& policy, int attempts, int64_t failing_for_ms) {
  return attempts >= policy.max_attempts && failing_for_ms >= policy.give_up_after_ms;
}

// The wait after the relay's `streak`-th failure in a row (1: the first).
int64_t relay_delay_ms(const RetryPolicy& policy, int streak, uint64_t random);

// Whether a failed send's answer is final. SMTP: a 5xx reply. A webhook's HTTP
// status: a 4xx, except a timeout (408) or a "slow down" (429); and a redirect
// (3xx), which is not followed: the portal must register the URL it answers on, and
// asking again would be redirected again. An HTTP 5xx, or no answer, may pass.
bool refused_for_good(bool http, long code);

// The SMTP command a send was waiting on when it failed, followed from the lines
// libcurl writes. A stalled send's last reply is a good one (250 to EHLO or to MAIL
// FROM alike), so only the command tells a relay stalling before any recipient is
// named from one mailbox stalling (outside findings: a relay stalling in MAIL FROM
// was taken for each recipient's failure, and every message used up its attempts).
enum class SmtpStep { greeting, hello, starttls, auth, sender, recipient, data, message };

// The step once `line` (a command line as sent, with its CRLF) is out; `current` for
// one that starts no step (QUIT, RSET, NOOP, an AUTH continuation).
SmtpStep step_after_command(std::string_view line, SmtpStep current);
// What the relay was answering: "EHLO", "MAIL FROM", "the message", ...
const char* step_name(SmtpStep step);

// Whether a failed send's cause is the relay's, not the one recipient's, so every
// message would fail the same way: the relay was not reached or refused the session
// (`reached` false: no connection, no TLS, no login), gave no reply at all (`code`
// 0), is closing down (421), or failed before a recipient was named (`step`: a
// greeting, EHLO, STARTTLS, AUTH or MAIL FROM answered with a failure or not at
// all). Then a lane waits with its message; otherwise the message steps aside and
// the lane goes on with other recipients (a mailbox that stalls or answers 4xx, a
// webhook that times out or answers 500 or 429, each webhook being its own server).
// `code` is the last reply's.
bool fails_every_recipient(bool http, bool reached, long code, SmtpStep step);

// A failure in words, without the reply's text (it echoes addresses) and without
// libcurl's words for a refusal ("Failed sending data to the peer" read like a
// network fault): "SMTP 451 in reply to RCPT TO" when the reply was the failure;
// else the error with the last reply, a good one, and what it waited on ("Timeout
// was reached (after SMTP 250, waiting on MAIL FROM)"). `step` counts for SMTP only.
std::string failure_reason(bool http, long code, const std::string& error, SmtpStep step);

}  // namespace gosmart::notifier
