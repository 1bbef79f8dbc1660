#include "services/notifier/webhook_request.hpp"

#include <sodium.h>

#include "common/envelope/envelope.hpp"
#include "services/notifier/domain/webhook.hpp"

namespace gosmart::notifier {

std::string webhook_message_id(const std::string& idempotency_key) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(idempotency_key.data()),
                     idempotency_key.size());
  return "msg_" + to_hex({digest, 16});
}

SmtpMessage webhook_request(wire::Notification::Reader n, const std::string& secret,
                            int64_t now_s) {
  SmtpMessage out;
  out.url = n.getRecipient();
  out.recipient = out.url;
  out.mime = n.getText();
  out.attempts_before = static_cast<int>(n.getAttempts());
  std::string id = webhook_message_id(n.getKey());
  out.headers = {"Content-Type: application/json", "webhook-id: " + id,
                 "webhook-timestamp: " + std::to_string(now_s),
                 "webhook-signature: " + webhook_signature(secret, id, now_s, out.mime),
                 "User-Agent: gosmart-notifier"};
  return out;
}

}  // namespace gosmart::notifier
