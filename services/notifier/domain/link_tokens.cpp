#include "services/notifier/domain/link_tokens.hpp"

#include <sodium.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace gosmart::notifier {

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

LinkTokens::LinkTokens(std::string key32) : key_(std::move(key32)) {
  if (key_.size() != crypto_auth_hmacsha256_KEYBYTES) {
    throw std::invalid_argument("a link key is 32 bytes");
  }
}

std::string LinkTokens::new_key() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  std::string key(crypto_auth_hmacsha256_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string LinkTokens::mac(std::string_view data) const {
  std::string out(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256(reinterpret_cast<unsigned char*>(out.data()),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                         reinterpret_cast<const unsigned char*>(key_.data()));
  return out;
}

std::string LinkTokens::sign(const LinkClaim& claim) const {
  nlohmann::json body = {{"a", claim.action},
                         {"o", claim.org_id},
                         {"c", claim.contact},
                         {"s", claim.subject},
                         {"e", claim.expires_us}};
  std::string payload = base64url(body.dump());
  return payload + "." + base64url(mac(payload));
}

std::optional<LinkClaim> LinkTokens::verify(std::string_view token, int64_t now_us) const {
  if (token.size() > 2048) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  auto payload = token.substr(0, dot);
  auto given = from_base64url(token.substr(dot + 1));
  if (!given || given->size() != crypto_auth_hmacsha256_BYTES) return std::nullopt;
  std::string expected = mac(payload);
  if (sodium_memcmp(given->data(), expected.data(), expected.size()) != 0) return std::nullopt;
  auto text = from_base64url(payload);
  if (!text) return std::nullopt;
  auto body = nlohmann::json::parse(*text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  try {
    LinkClaim claim{body.at("a").get<std::string>(), body.at("o").get<std::string>(),
                    body.at("c").get<uint32_t>(), body.at("s").get<std::string>(),
                    body.at("e").get<int64_t>()};
    if (claim.expires_us <= now_us) return std::nullopt;
    return claim;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace gosmart::notifier
