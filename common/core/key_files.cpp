#include "common/core/key_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gosmart::curve {

namespace {

std::string read_key(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  if (!(in >> word)) throw std::runtime_error("cannot read the key file " + file);
  if (!is_z85_key(word)) throw std::runtime_error(file + " holds no Z85 CURVE key");
  return word;
}

}  // namespace

CurveKeyPair read_key_files(const std::string& prefix) {
  return {read_key(prefix + ".public"), read_key(prefix + ".secret")};
}

void write_key_files(const std::string& prefix, const CurveKeyPair& keys) {
  std::filesystem::path base(prefix);
  if (base.has_parent_path()) std::filesystem::create_directories(base.parent_path());
  std::ofstream(prefix + ".public") << keys.public_key << "\n";
  int fd = ::open((prefix + ".secret").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + prefix + ".secret");
  std::string line = keys.secret_key + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + prefix + ".secret");
}

}  // namespace gosmart::curve
