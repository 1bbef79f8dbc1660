#pragma once
// Test helpers that start real processes and pick ports at run time.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace gosmart::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, then released).
int free_port();
std::string tcp_endpoint(int port);

// The UTC day `days_from_today` days from now, as YYYY-MM-DD: expiry dates in tests
// are relative, as real ones are (a registry refuses one more than two years ahead).
std::string iso_day(int days_from_today = 0);

// Every file under `root` that holds `needle`, byte for byte (WAL, SST and logs
// alike), named relative to `root`.
std::vector<std::string> files_holding(const std::filesystem::path& root,
                                       const std::string& needle);

// Where the build put the project's binaries (GOSMART_BIN_DIR at compile time).
std::filesystem::path binary(const std::string& name);

// Extra environment variables for a child ("GOSMART_CRASH_AT=outbox.after_ack").
using Environment = std::vector<std::string>;

class Process {
 public:
  Process(std::vector<std::string> argv, std::filesystem::path log_file,
          const Environment& extra_env = {});
  ~Process();  // SIGKILLs a process still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for the exit; returns the exit code, 128+signal, or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  void kill_hard();  // SIGKILL and reap
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::filesystem::path log_file_;
};

// Whether an assertion of the running test case has failed so far; kept by the
// Catch2 listener in catch_main.cpp, read by TempDir.
void test_case_started();
void test_assertion_failed();
bool test_case_failed();

// A scratch directory removed at the end of the test, unless the test failed: then
// it is kept and the tail of every log file in it is printed, so the services'
// own account of a failure is not deleted with it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes.
template <class Fn>
bool eventually(Fn&& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace gosmart::testing
