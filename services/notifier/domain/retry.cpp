#include "services/notifier/domain/retry.hpp"

#include <algorithm>
#include <cctype>

namespace gosmart::notifier {

int64_t next_delay_ms(const RetryPolicy& policy, int attempt, uint64_t random) {
  int64_t delay = std::max<int64_t>(policy.base_ms, 1);
  for (int i = 1; i < attempt && delay < policy.cap_ms; ++i) delay *= 2;
  delay = std::min(delay, policy.cap_ms);
  // A factor in [0.5, 1.0] from the random bits: 1024 steps are plenty.
  double factor = 0.5 + 0.5 * static_cast<double>(random % 1025) / 1024.0;
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(delay) * factor));
}

int64_t relay_delay_ms(const RetryPolicy& policy, int streak, uint64_t random) {
  RetryPolicy relay = policy;
  relay.cap_ms = std::max<int64_t>(1, std::min(policy.cap_ms, kRelayRetryCapMs));
  return next_delay_ms(relay, streak, random);
}

bool refused_for_good(bool http, long code) {
  if (!http) return code >= 500 && code < 600;
  return (code >= 300 && code < 400) || (code >= 400 && code < 500 && code != 408 && code != 429);
}

SmtpStep step_after_command(std::string_view line, SmtpStep current) {
  auto verb = line.substr(0, line.find_first_of(" \r\n"));
  auto is = [&](std::string_view name) {
    return verb.size() == name.size() &&
           std::equal(verb.begin(), verb.end(), name.begin(), [](char a, char b) {
             return std::toupper(static_cast<unsigned char>(a)) == b;
           });
  };
  if (is("EHLO") || is("HELO")) return SmtpStep::hello;
  if (is("STARTTLS")) return SmtpStep::starttls;
  if (is("AUTH")) return SmtpStep::auth;
  if (is("MAIL")) return SmtpStep::sender;
  if (is("RCPT")) return SmtpStep::recipient;
  if (is("DATA")) return SmtpStep::data;
  return current;
}

const char* step_name(SmtpStep step) {
  switch (step) {
    case SmtpStep::greeting:
      return "the greeting";
    case SmtpStep::hello:
      return "EHLO";
    case SmtpStep::starttls:
      return "STARTTLS";
    case SmtpStep::auth:
      return "AUTH";
    case SmtpStep::sender:
      return "MAIL FROM";
    case SmtpStep::recipient:
      return "RCPT TO";
    case SmtpStep::data:
      return "DATA";
    case SmtpStep::message:
      return "the message";
  }
  return "?";
}

bool fails_every_recipient(bool http, bool reached, long code, SmtpStep step) {
  if (http) return false;
  return !reached || code == 0 || code == 421 || step < SmtpStep::recipient;
}

std::string failure_reason(bool http, long code, const std::string& error, SmtpStep step) {
  if (http) {
    if (code == 0) return error;
    if (code >= 300) return "HTTP " + std::to_string(code) + ": " + error;
    return error + " (after HTTP " + std::to_string(code) + ")";
  }
  if (code == 0) {
    if (step == SmtpStep::greeting) return error;
    return error + " (no reply to " + step_name(step) + ")";
  }
  if (code >= 400 && step == SmtpStep::greeting)
    return "SMTP " + std::to_string(code) + " in the greeting";
  if (code >= 400) return "SMTP " + std::to_string(code) + " in reply to " + step_name(step);
  return error + " (after SMTP " + std::to_string(code) + ", waiting on " + step_name(step) + ")";
}

}  // namespace gosmart::notifier
