#include "services/registry/national_id_index.hpp"

#include "common/core/break_point.hpp"

#include <sodium.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace gosmart::registry {

namespace {

std::string keyed_hash(const std::string& key, std::string_view context, std::string_view data) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                          crypto_generichash_BYTES);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(context.data()),
                            context.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return {reinterpret_cast<const char*>(out.data()), out.size()};
}

}  // namespace

std::string normalise_national_id(std::string_view country, std::string_view registry_id) {
  std::string id;
  for (char c : registry_id) {
    if (c == ' ' || c == '.' || c == '-' || c == '\t') continue;
    id.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  std::string prefix(country);
  for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (id.size() > prefix.size() && id.compare(0, prefix.size(), prefix) == 0) {
    id.erase(0, prefix.size());
  }
  return id;
}

NationalIdIndex::NationalIdIndex(std::string_view country, std::string_view secret)
    : country_(country) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::string material(secret);
  if (material.empty()) {
    material.resize(32);
    randombytes_buf(material.data(), material.size());
  }
  // The node secret itself is never the hash key: a key of its own, derived once.
  std::string seed(crypto_generichash_KEYBYTES_MAX, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(seed.data()), seed.size(),
                     reinterpret_cast<const unsigned char*>(material.data()), material.size(),
                     nullptr, 0);
  hash_key_ = keyed_hash(seed, "gosmart registry national-id index v1", "");
  check_ = keyed_hash(hash_key_, "check", "");
}

std::string NationalIdIndex::key(std::string_view registry_id) const {
  auto id = normalise_national_id(country_, registry_id);
  if (id.empty()) return {};
  if (GOSMART_BREAK_POINT("registry.national_id_plain")) return id;
  return keyed_hash(hash_key_, "id", id);
}

}  // namespace gosmart::registry
