#include "tests/support/process.hpp"

#include "common/transport/transport.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <exception>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace gosmart::testing {

int free_port() {
  return transport::free_loopback_port();
}

std::string iso_day(int days_from_today) {
  std::chrono::year_month_day date{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) +
      std::chrono::days{days_from_today}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

std::vector<std::string> files_holding(const std::filesystem::path& root,
                                       const std::string& needle) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) {
      found.push_back(std::filesystem::relative(it->path(), root).string());
    }
  }
  return found;
}

std::string tcp_endpoint(int port) {
  return "tcp://127.0.0.1:" + std::to_string(port);
}

std::filesystem::path binary(const std::string& name) {
  return std::filesystem::path(GOSMART_BIN_DIR) / name;
}

Process::Process(std::vector<std::string> argv, std::filesystem::path log_file,
                 const Environment& extra_env)
    : log_file_(std::move(log_file)) {
  // Built before fork(): the child of a threaded process only execs.
  std::vector<std::string> environment(extra_env);
  for (char** variable = environ; *variable != nullptr; ++variable) {
    std::string_view entry(*variable);
    auto named = [&](const std::string& extra) {
      return extra.substr(0, extra.find('=') + 1) == entry.substr(0, entry.find('=') + 1);
    };
    if (std::none_of(extra_env.begin(), extra_env.end(), named)) environment.emplace_back(entry);
  }
  std::vector<char*> envp;
  for (auto& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t harness = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork() failed");
  if (pid_ == 0) {
    // A harness that dies without running destructors (an uncaught exception, a
    // timeout's SIGKILL, a crash) must not leave its services running on: the
    // kernel kills the child when the harness goes. The check after it closes the
    // race with a harness that died before the call.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != harness) ::_exit(127);
    // The child must not inherit the test's blocked signals (a Loop blocks them).
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (running()) kill_hard();
}

bool Process::running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    return false;
  }
  return r == 0;
}

void Process::signal(int sig) {
  if (pid_ > 0 && status_ == -1) ::kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (status_ == -1) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

void Process::kill_hard() {
  signal(SIGKILL);
  (void)wait(std::chrono::seconds(10));
}

std::string Process::log() const {
  std::ifstream in(log_file_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("gosmart-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

namespace {
bool current_test_failed = false;

void print_tail(const std::filesystem::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  std::fprintf(stderr, "---- %s (last %zu lines) ----\n", file.c_str(), tail.size());
  for (const auto& line : tail) std::fprintf(stderr, "%s\n", line.c_str());
}
}  // namespace

void test_case_started() {
  current_test_failed = false;
}
void test_assertion_failed() {
  current_test_failed = true;
}
bool test_case_failed() {
  return current_test_failed;
}

TempDir::~TempDir() {
  // A REQUIRE that fails, or an unexpected exception, unwinds through here before
  // Catch2 reports it: an exception in flight counts as a failure.
  bool failed = current_test_failed || std::uncaught_exceptions() > 0;
  if (failed) {
    std::fprintf(stderr, "test failed: keeping %s\n", path_.c_str());
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      // Service logs, not RocksDB's write-ahead logs (numbered *.log files).
      auto stem = it->path().stem().string();
      bool numbered = !stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos;
      if (it->is_regular_file() && it->path().extension() == ".log" && !numbered) {
        print_tail(it->path(), 80);
      }
    }
    return;
  }
  if (std::getenv("GOSMART_KEEP_TEST_DIRS")) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace gosmart::testing
