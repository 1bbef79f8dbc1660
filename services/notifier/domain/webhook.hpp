#pragma once
// Signatures for the JSON POSTs the notifier makes to partner portals, as the
// Standard Webhooks convention has them (https://www.standardwebhooks.com): the
// receiver's existing library (Svix, standardwebhooks in Python, Go, JS ...) must
// verify what we send without code of its own, so the format is theirs to the byte.
//
//   secret     "whsec_" + base64 of the key (we make 32 random bytes)
//   signed     "<webhook-id>.<webhook-timestamp>.<body>"
//   signature  "v1," + base64(HMAC-SHA-256(key, signed))
//
// A retry sends the same webhook-id (the receiver's idempotency key) with a fresh
// timestamp and signature, so that a receiver's replay window still accepts it.
#include <cstdint>
#include <string>
#include <string_view>

namespace gosmart::notifier {

// A new secret for a subscription: "whsec_" + base64 of 32 random bytes.
std::string new_webhook_secret();

// The `webhook-signature` header value for one message. The secret may come with or
// without its "whsec_" prefix (the libraries accept both); std::invalid_argument when
// what follows is not base64 or is empty.
std::string webhook_signature(std::string_view secret, std::string_view msg_id, int64_t timestamp_s,
                              std::string_view body);

// Whether a received message verifies: some "v1,<base64>" entry of the
// space-separated `signature_header` matches (other versions are skipped, as a
// receiver must during a key or scheme change), compared in constant time, and the
// timestamp lies within `tolerance_s` of `now_s` either way (replay protection).
// False, never an exception, for anything malformed: the input is a stranger's.
bool webhook_verify(std::string_view secret, std::string_view msg_id, int64_t timestamp_s,
                    std::string_view body, std::string_view signature_header, int64_t now_s,
                    int64_t tolerance_s = 300);

}  // namespace gosmart::notifier
