#pragma once
// The key that signs the notifier's links (unsubscribe, renew): made on the first
// start in the notifier's data directory (mode 0600) and kept, so links in messages
// already sent stay valid across restarts. Never in the repository or the config.
#include <filesystem>
#include <string>

namespace gosmart::notifier {

std::string link_key(const std::filesystem::path& file);

}  // namespace gosmart::notifier
