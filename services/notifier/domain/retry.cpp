#include "services/notifier/domain/retry.hpp"

#include <algorithm>

namespace gosmart::notifier {

int64_t next_delay_ms(const RetryPolicy& policy, int attempt, uint64_t random) {
  int64_t delay = std::max<int64_t>(policy.base_ms, 1);
  for (int i = 1; i < attempt && delay < policy.cap_ms; ++i) delay *= 2;
  delay = std::min(delay, policy.cap_ms);
  // A factor in [0.5, 1.0] from the random bits: 1024 steps are plenty.
  double factor = 0.5 + 0.5 * static_cast<double>(random % 1025) / 1024.0;
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(delay) * factor));
}

bool refused_for_good(bool http, long code) {
  if (!http) return code >= 500 && code < 600;
  return (code >= 300 && code < 400) || (code >= 400 && code < 500 && code != 408 && code != 429);
}

bool fails_every_recipient(bool http, bool reached, long code) {
  if (http) return false;
  return !reached || code == 0 || code == 421;
}

std::string failure_reason(bool http, long code, const std::string& error) {
  std::string protocol = http ? "HTTP " : "SMTP ";
  if (code == 0) return error;
  bool failure_reply = http ? code >= 300 : code >= 400;
  if (failure_reply) return protocol + std::to_string(code) + ": " + error;
  return error + " (after " + protocol + std::to_string(code) + ")";
}

}  // namespace gosmart::notifier
