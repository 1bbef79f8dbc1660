#include "common/core/secret_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace gosmart {

std::string read_or_create_secret(const std::filesystem::path& file,
                                  const std::function<std::string()>& make) {
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error("cannot read " + file.string());
    return secret;
  }
  std::filesystem::create_directories(file.parent_path());
  std::string secret = make();
  auto temporary = file.string() + ".new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temporary);
  bool written = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + temporary);
  std::filesystem::rename(temporary, file);
  return secret;
}

}  // namespace gosmart
