#pragma once
#include <filesystem>
#include <string>

namespace gosmart::config {

// The first line of a file that holds a secret (a key, a relay's password), refused
// (ConfigError naming `key`) when it cannot be read or others may read it: chmod 600.
std::string read_private_file(const std::filesystem::path& file, const std::string& key);

}  // namespace gosmart::config
