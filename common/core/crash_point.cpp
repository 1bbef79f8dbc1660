#include "common/core/crash_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace gosmart {

namespace {

const std::string& armed_point() {
  static const std::string armed = [] {
    const char* value = std::getenv("GOSMART_CRASH_AT");
    return std::string(value ? value : "");
  }();
  return armed;
}

}  // namespace

bool crash_point_armed(std::string_view name) {
  const auto& armed = armed_point();
  return !armed.empty() && armed == name;
}

void crash_point(std::string_view name) {
  if (!crash_point_armed(name)) return;
  // Written straight to stderr: a crash must not wait on a logger's buffers.
  std::string line = "crash point " + std::string(name) + " reached: SIGKILL\n";
  (void)::write(STDERR_FILENO, line.data(), line.size());
  ::kill(::getpid(), SIGKILL);
}

}  // namespace gosmart
