#include "services/audit/signing_key.hpp"

#include <sodium.h>

#include <stdexcept>

#include "common/core/secret_file.hpp"

namespace gosmart::audit {

SignerKey audit_signing_key(const std::filesystem::path& file, const std::string& name) {
  std::string text;
  try {
    text = read_or_create_secret(file, [&name] {
      std::array<uint8_t, 32> seed{};
      randombytes_buf(seed.data(), seed.size());
      auto signer = signer_from_seed(name, seed);
      if (!signer) throw std::runtime_error("'" + name + "' cannot name a signing key");
      auto out = signer_key_text(*signer, seed) + "\n";
      sodium_memzero(seed.data(), seed.size());
      return out;
    });
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("audit: signing key: ") + e.what());
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto signer = parse_signer_key(text);
  sodium_memzero(text.data(), text.size());
  if (!signer) {
    throw std::runtime_error("audit: " + file.string() +
                             " holds no signer key (PRIVATE+KEY+<name>+<id>+<base64>)");
  }
  // Named after this node's log: another node's key would sign for a log it is not
  // (outside findings: PL's audit signed with a key named for FI).
  if (signer->name != name) {
    throw std::runtime_error("audit: " + file.string() + " holds the key of " + signer->name +
                             ", not of " + name);
  }
  return *signer;
}

}  // namespace gosmart::audit
