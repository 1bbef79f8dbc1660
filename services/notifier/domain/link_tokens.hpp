#pragma once
// Signed tokens for the links in the notifier's messages (unsubscribe, renew): the
// claim, base64url, a dot, and an HMAC-SHA-256 of the claim under the notifier's
// link key (libsodium). The claim names the organisation and a pseudonymous tag of
// the recipient, never an address: links end up in proxies' logs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gosmart::notifier {

struct LinkClaim {
  std::string action;  // "unsubscribe", "renew"
  std::string org_id;
  uint32_t contact = 0;
  std::string subject;  // the recipient's tag, or the profile a renewal is for
  int64_t expires_us = 0;
};

class LinkTokens {
 public:
  explicit LinkTokens(std::string key32);  // std::invalid_argument unless 32 bytes
  static std::string new_key();            // 32 random bytes

  std::string sign(const LinkClaim& claim) const;
  // The claim of a token this key signed and that has not expired; nullopt for
  // anything else (tampered, truncated, another key's, expired, garbage).
  std::optional<LinkClaim> verify(std::string_view token, int64_t now_us) const;

 private:
  std::string mac(std::string_view data) const;
  std::string key_;
};

// Base64url without padding (RFC 4648 §5), as links carry it.
std::string base64url(std::string_view bytes);
std::optional<std::string> from_base64url(std::string_view text);

}  // namespace gosmart::notifier
