#pragma once
// A webhook notification as the courier POSTs it: the stored JSON body, signed per
// the Standard Webhooks convention at send time (domain/webhook.hpp). The
// `webhook-id` comes from the idempotency key, so a retry carries the same id and
// the receiver can drop a repeat; the timestamp is the send's own (receivers refuse
// old ones).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "schemas/notifier.capnp.h"
#include "services/notifier/smtp_courier.hpp"

namespace gosmart::notifier {

std::string webhook_message_id(const std::string& idempotency_key);

// Why `url` may not be a webhook (nothing: it may): it must be http(s), name no
// user or password, hold no encoded dot, backslash or control character, and be
// written as libcurl would send it (no "/../" or "/./" segments): a prefix check on
// the text is then a check on where the POST goes (outside findings: "/hooks/../admin"
// and "http://127.0.0.1:@elsewhere/" passed a prefix and were posted elsewhere).
std::optional<std::string> webhook_url_problem(const std::string& url);

// Whether `url` is under one of `prefixes` and has no problem above.
bool webhook_url_allowed(const std::string& url, const std::vector<std::string>& prefixes);

SmtpMessage webhook_request(wire::Notification::Reader n, const std::string& secret, int64_t now_s);

}  // namespace gosmart::notifier
