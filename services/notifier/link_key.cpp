#include "services/notifier/link_key.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "services/notifier/domain/link_tokens.hpp"

namespace gosmart::notifier {

std::string link_key(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() == 32) return key;
    throw std::runtime_error("notifier: " + file.string() + " is not a 32-byte link key");
  }
  std::filesystem::create_directories(file.parent_path());
  std::string key = LinkTokens::new_key();
  auto temporary = file.string() + ".new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("notifier: cannot write " + temporary);
  bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) throw std::runtime_error("notifier: cannot write " + temporary);
  std::filesystem::rename(temporary, file);
  return key;
}

}  // namespace gosmart::notifier
