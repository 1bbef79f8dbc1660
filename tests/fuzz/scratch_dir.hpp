#pragma once
// A temporary directory for a fuzz target's store, made once per process and
// removed when it exits normally (a crashing input leaves it behind, with the
// state that led there). The fuzz build has no tests/support library.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace gosmart::fuzz {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("gosmart-fuzz-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;  // at exit: nothing left to report it to
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace gosmart::fuzz
