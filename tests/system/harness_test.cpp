// The test harness itself: whatever it started must not outlive it, even when it
// dies without running a destructor (an uncaught exception, a timeout's SIGKILL).
// A benchmark once left six registries running for half an hour after it returned.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using namespace std::chrono_literals;

namespace {

// Gone, or a zombie waiting for whoever adopted it to reap it.
bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close == std::string::npos || text.substr(close + 2, 1) == "Z";
}

}  // namespace

TEST_CASE("a harness that dies without cleaning up leaves no service running",
          "[system][harness]") {
  TempDir dir;
  auto node = make_node(dir.path(), "PL");
  write_config(node, {}, {});
  int report[2];
  REQUIRE(::pipe(report) == 0);
  pid_t harness = ::fork();
  REQUIRE(harness >= 0);
  if (harness == 0) {
    // Never destroyed: as if the harness died of an exception or a signal.
    auto* registry =
        new Process({binary("gosmart-registry").string(), "--config", node.config_file.string()},
                    dir.path() / "PL.log");
    pid_t pid = registry->pid();
    (void)!::write(report[1], &pid, sizeof pid);
    std::this_thread::sleep_for(500ms);  // the registry is up and running by now
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t registry = 0;
  REQUIRE(::read(report[0], &registry, sizeof registry) == sizeof registry);
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(harness, &status, 0) == harness);
  CHECK(eventually([&] { return gone(registry); }, 5s));
  if (!gone(registry)) ::kill(registry, SIGKILL);  // don't leak it from here either
}

// A federation brought up by `gosmart-federation up` runs detached (its services are
// not the starter's children, so PR_SET_PDEATHSIG cannot reach them): `--stop-with`
// leaves a watchdog that stops it when the starter ends, as ctl_test's does.
TEST_CASE("a federation started with --stop-with stops when its starter dies without down",
          "[system][harness]") {
  TempDir dir;
  const auto federation_dir = dir.path() / "federation";
  pid_t starter = ::fork();
  REQUIRE(starter >= 0);
  if (starter == 0) {
    std::string own = std::to_string(::getpid());
    std::string tool = binary("gosmart-federation").string();
    std::string where = federation_dir.string();
    ::execl(tool.c_str(), tool.c_str(), "up", "--dir", where.c_str(), "--countries", "PL", "--wait",
            "90", "--stop-with", own.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(starter, &status, 0) == starter);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);  // up, healthy, and gone without down
  std::vector<pid_t> services;
  for (const char* service : {"registry", "matching"}) {
    std::ifstream file(federation_dir / "pl" / (std::string(service) + ".pid"));
    pid_t pid = 0;
    file >> pid;
    INFO(service);
    REQUIRE(pid > 0);
    services.push_back(pid);
  }
  for (pid_t pid : services) {
    CHECK(eventually([&] { return gone(pid); }, 20s));
    if (!gone(pid)) ::kill(pid, SIGKILL);  // don't leak it from here either
  }
}

// Outside findings, session 19: with another program on the mail relay's port, `up`
// said all was well and the notifiers sent every message (addresses, unsubscribe
// tokens) to that program; a country named twice started each service twice.
TEST_CASE(
    "a federation whose mail relay's port is taken starts nothing; a country twice is refused",
    "[system][harness]") {
  TempDir dir;
  const auto federation_dir = dir.path() / "federation";
  auto tool = [&](std::vector<std::string> args) {
    args.insert(args.begin(), binary("gosmart-federation").string());
    Process run(args, dir.path() / "tool.log");
    return run.wait(60s);
  };
  CHECK(tool({"prepare", "--dir", (dir.path() / "twice").string(), "--countries", "PL,PL"}) == 2);
  REQUIRE(tool({"prepare", "--dir", federation_dir.string(), "--countries", "PL"}) == 0);
  int port = 0;
  std::ifstream(federation_dir / "mail.port") >> port;
  REQUIRE(port > 0);
  // The squatter: a listening socket on the relay's port.
  int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(squatter, 8) == 0);
  CHECK(tool({"up", "--dir", federation_dir.string(), "--wait", "30"}) == 2);
  for (const char* service : {"registry", "matching", "notifier", "audit"}) {
    INFO(service);
    CHECK_FALSE(std::filesystem::exists(federation_dir / "pl" / (std::string(service) + ".pid")));
  }
  ::close(squatter);
}
