#include "services/notifier/link_key.hpp"

#include <stdexcept>

#include "common/core/secret_file.hpp"
#include "services/notifier/domain/link_tokens.hpp"

namespace gosmart::notifier {

std::string link_key(const std::filesystem::path& file) {
  std::string key;
  try {
    key = read_or_create_secret(file, [] { return LinkTokens::new_key(); });
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string("notifier: ") + e.what());
  }
  if (key.size() != 32) {
    throw std::runtime_error("notifier: " + file.string() + " is not a 32-byte link key");
  }
  return key;
}

}  // namespace gosmart::notifier
