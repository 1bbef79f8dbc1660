#include "tests/support/netns.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace gosmart::testing {

namespace {

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("network namespace setup failed: " + command +
                             (::geteuid() != 0 ? " (the partition tests need root)" : ""));
  }
}

constexpr const char* kIp = "/usr/sbin/ip";  // Debian's iproute2

// The i-th address (0-based) of this process's block of 16 in 198.18.0.0/15.
std::string address(int block, int i) {
  int offset = block * 16 + i;
  return "198." + std::to_string(18 + offset / 65536) + "." + std::to_string(offset / 256 % 256) +
         "." + std::to_string(offset % 256);
}

// For cleaning up: whatever is already gone stays gone.
void try_to(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) return;
}

}  // namespace

PartitionableHosts::PartitionableHosts() {
  // One block per process id: tests running side by side use different ones.
  int pid = static_cast<int>(::getpid());
  int block = pid % 8192;
  std::string tag = std::to_string(pid);
  first_.name = "gs" + tag + "a";
  second_.name = "gs" + tag + "b";
  for (auto* host : {&first_, &second_}) {
    // A path: processes are started with execve, which does not search PATH.
    host->launcher = {kIp, "netns", "exec", host->name};
  }
  // Interface names stay under 15 characters: "gs" + pid (7 at most) + 2.
  std::string to_first = "gs" + tag + "t1", first_end = "gs" + tag + "f1";
  std::string to_second = "gs" + tag + "t2", second_end = "gs" + tag + "f2";
  peer_link_ = "gs" + tag + "p1";
  peer_far_ = "gs" + tag + "p2";
  const std::string& peer_far = peer_far_;
  try {
    run("ip netns add " + first_.name);
    run("ip netns add " + second_.name);
    struct Link {
      std::string near, far, near_ns, far_ns, near_address, far_address;
    };
    first_.test_side = address(block, 2);
    second_.test_side = address(block, 6);
    first_.peer_side = address(block, 9);
    second_.peer_side = address(block, 10);
    std::vector<Link> links = {
        {to_first, first_end, "", first_.name, address(block, 1), first_.test_side},
        {to_second, second_end, "", second_.name, address(block, 5), second_.test_side},
        {peer_link_, peer_far, first_.name, second_.name, first_.peer_side, second_.peer_side},
    };
    auto in = [](const std::string& ns) { return ns.empty() ? "" : "ip netns exec " + ns + " "; };
    for (const auto& link : links) {
      run("ip link add " + link.near + " type veth peer name " + link.far);
      if (!link.near_ns.empty()) run("ip link set " + link.near + " netns " + link.near_ns);
      run("ip link set " + link.far + " netns " + link.far_ns);
      run(in(link.near_ns) + "ip addr add " + link.near_address + "/30 dev " + link.near);
      run(in(link.far_ns) + "ip addr add " + link.far_address + "/30 dev " + link.far);
      run(in(link.near_ns) + "ip link set " + link.near + " up");
      run(in(link.far_ns) + "ip link set " + link.far + " up");
    }
    for (const auto* host : {&first_, &second_}) run(in(host->name) + "ip link set lo up");
  } catch (...) {
    try_to("ip netns del " + first_.name);
    try_to("ip netns del " + second_.name);
    try_to("ip link del " + to_first);
    try_to("ip link del " + to_second);
    throw;
  }
}

PartitionableHosts::~PartitionableHosts() {
  // A namespace's deletion removes its veth ends, and so their peers here too.
  try_to("ip netns del " + first_.name);
  try_to("ip netns del " + second_.name);
}

void PartitionableHosts::cut() {
  run("ip netns exec " + first_.name + " ip link set " + peer_link_ + " down");
}

void PartitionableHosts::heal() {
  run("ip netns exec " + first_.name + " ip link set " + peer_link_ + " up");
}

void PartitionableHosts::drop(Direction direction) {
  stop_dropping();
  if (direction != Direction::second_to_first) {
    run("ip netns exec " + first_.name + " tc qdisc add dev " + peer_link_ + " root pfifo limit 0");
    dropping_first_ = true;
  }
  if (direction != Direction::first_to_second) {
    run("ip netns exec " + second_.name + " tc qdisc add dev " + peer_far_ + " root pfifo limit 0");
    dropping_second_ = true;
  }
}

void PartitionableHosts::stop_dropping() {
  if (dropping_first_)
    run("ip netns exec " + first_.name + " tc qdisc del dev " + peer_link_ + " root");
  if (dropping_second_)
    run("ip netns exec " + second_.name + " tc qdisc del dev " + peer_far_ + " root");
  dropping_first_ = dropping_second_ = false;
}

}  // namespace gosmart::testing
