// A small tmpfs over a directory for the life of the object, so that a test can
// fill a service's disk and later give it room, as an operator would. Mounting
// needs root (CI runs as root).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace gosmart::testing {

class SmallDisk {
 public:
  SmallDisk(std::filesystem::path dir, int mib) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    mounted_ = run("mount -t tmpfs -o size=" + std::to_string(mib) + "m gosmart-test-disk '" +
                   dir_.string() + "'");
  }
  ~SmallDisk() {
    if (mounted_) run("umount -l '" + dir_.string() + "'");
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  // Grows (or shrinks, if what it holds still fits) the disk to `mib`.
  bool resize(int mib) { return resize_kib(mib * 1024); }
  bool resize_kib(int kib) {
    return run("mount -o remount,size=" + std::to_string(kib) + "k '" + dir_.string() + "'");
  }

 private:
  static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }
  std::filesystem::path dir_;
  bool mounted_ = false;
};

}  // namespace gosmart::testing
