#pragma once
// A secret a service keeps in a file of its own (a signing key, a link key), mode
// 0600: read when the file exists, else made once and written to a temporary file,
// fsynced and renamed into place, so a crash leaves no file or the whole one, never
// half a key. Never in the repository or the config.
#include <filesystem>
#include <functional>
#include <string>

namespace gosmart {

// The file's bytes; when it does not exist, `make()`'s, written first. Throws
// std::runtime_error when the file cannot be read or written.
std::string read_or_create_secret(const std::filesystem::path& file,
                                  const std::function<std::string()>& make);

}  // namespace gosmart
