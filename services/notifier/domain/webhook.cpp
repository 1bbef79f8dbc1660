#include "services/notifier/domain/webhook.hpp"

#include <sodium.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace gosmart::notifier {

namespace {

constexpr std::string_view kPrefix = "whsec_";

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::optional<std::string> secret_key(std::string_view secret) {
  if (secret.substr(0, kPrefix.size()) == kPrefix) secret.remove_prefix(kPrefix.size());
  auto key = from_base64(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

// HMAC-SHA-256 over "<id>.<timestamp>.<body>", streamed: the body is not copied.
void mac(const std::string& key, std::string_view msg_id, int64_t timestamp_s,
         std::string_view body, unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  auto update = [&state](std::string_view part) {
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  };
  update(msg_id);
  update(".");
  update(std::to_string(timestamp_s));
  update(".");
  update(body);
  crypto_auth_hmacsha256_final(&state, out);
  sodium_memzero(&state, sizeof state);
}

}  // namespace

std::string new_webhook_secret() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  unsigned char key[32];
  randombytes_buf(key, sizeof key);
  std::string out = std::string(kPrefix) + base64(key, sizeof key);
  sodium_memzero(key, sizeof key);
  return out;
}

std::string webhook_signature(std::string_view secret, std::string_view msg_id, int64_t timestamp_s,
                              std::string_view body) {
  auto key = secret_key(secret);
  if (!key) throw std::invalid_argument("a webhook secret is \"whsec_\" and base64");
  unsigned char digest[crypto_auth_hmacsha256_BYTES];
  mac(*key, msg_id, timestamp_s, body, digest);
  return "v1," + base64(digest, sizeof digest);
}

bool webhook_verify(std::string_view secret, std::string_view msg_id, int64_t timestamp_s,
                    std::string_view body, std::string_view signature_header, int64_t now_s,
                    int64_t tolerance_s) {
  if (tolerance_s < 0) return false;
  // Subtraction either way without overflow for hostile timestamps.
  if (timestamp_s > now_s ? static_cast<uint64_t>(timestamp_s) - static_cast<uint64_t>(now_s) >
                                static_cast<uint64_t>(tolerance_s)
                          : static_cast<uint64_t>(now_s) - static_cast<uint64_t>(timestamp_s) >
                                static_cast<uint64_t>(tolerance_s)) {
    return false;
  }
  auto key = secret_key(secret);
  if (!key) return false;
  unsigned char expected[crypto_auth_hmacsha256_BYTES];
  mac(*key, msg_id, timestamp_s, body, expected);
  bool found = false;
  std::size_t at = 0;
  while (at < signature_header.size()) {
    auto end = signature_header.find(' ', at);
    if (end == std::string_view::npos) end = signature_header.size();
    auto entry = signature_header.substr(at, end - at);
    at = end + 1;
    if (entry.substr(0, 3) != "v1,") continue;
    auto given = from_base64(entry.substr(3));
    // Every entry is compared, found or not, so the time says nothing of which.
    if (given && given->size() == sizeof expected &&
        sodium_memcmp(given->data(), expected, sizeof expected) == 0) {
      found = true;
    }
  }
  return found;
}

}  // namespace gosmart::notifier
