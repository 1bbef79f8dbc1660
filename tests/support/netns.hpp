#pragma once
// Two hosts for two nodes, each a network namespace the test makes, joined to the
// test's own network stack by a veth pair each (so the test reaches both nodes'
// api sockets all along) and to each other by a third pair, which the test cuts and
// heals: a partition between the nodes, not between the test and either (tc netem
// is not available here; setting a link down is). Addresses come from 198.18.0.0/15
// (RFC 2544's range for benchmarking networks), 16 per test process; nothing is
// routed between the links, so a node's traffic to its peer has only the third.
// Needs root (CI runs as root); everything made is removed by the destructor.
#include <string>
#include <vector>

namespace gosmart::testing {

class PartitionableHosts {
 public:
  struct Host {
    std::string name;                   // the namespace
    std::string test_side;              // its address on the link to the test
    std::string peer_side;              // its address on the link to the other host
    std::vector<std::string> launcher;  // argv prefix that runs a program inside it
  };

  // Throws std::runtime_error naming the step that failed (not root, no `ip`).
  PartitionableHosts();
  ~PartitionableHosts();
  PartitionableHosts(const PartitionableHosts&) = delete;
  PartitionableHosts& operator=(const PartitionableHosts&) = delete;

  const Host& first() const { return first_; }
  const Host& second() const { return second_; }
  // The link between the two hosts down (both ends), then up again.
  void cut();
  void heal();
  // The link stays up but what one host (or each) sends on it is dropped, silently:
  // a zero-length queue (pfifo limit 0) on the sending end, as a firewall that drops
  // or a lost route far away does it. Nothing tells the sender: a TCP connect waits
  // through its SYN retries, an established connection through its retransmissions.
  enum class Direction { first_to_second, second_to_first, both };
  void drop(Direction direction);
  void stop_dropping();

 private:
  Host first_;
  Host second_;
  std::string peer_link_;  // the first host's end of the hosts' link
  std::string peer_far_;   // the second host's end
  bool dropping_first_ = false, dropping_second_ = false;
};

}  // namespace gosmart::testing
