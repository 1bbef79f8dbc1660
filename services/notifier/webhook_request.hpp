#pragma once
// A webhook notification as the courier POSTs it: the stored JSON body, signed per
// the Standard Webhooks convention at send time (domain/webhook.hpp). The
// `webhook-id` comes from the idempotency key, so a retry carries the same id and
// the receiver can drop a repeat; the timestamp is the send's own (receivers refuse
// old ones).
#include <cstdint>
#include <string>

#include "schemas/notifier.capnp.h"
#include "services/notifier/smtp_courier.hpp"

namespace gosmart::notifier {

std::string webhook_message_id(const std::string& idempotency_key);

SmtpMessage webhook_request(wire::Notification::Reader n, const std::string& secret, int64_t now_s);

}  // namespace gosmart::notifier
