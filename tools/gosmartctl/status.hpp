#pragma once
// `gosmartctl status`: the health of every service of this node (and with
// --federation of every node the config lists), one row a service, and the exit
// status scripts and monitoring checks read: 0 healthy, 1 degraded, 2 down. A key
// this node refuses is a refusal like for every other command (exit 1, health "not
// authorised"): the refusing services are running, so that is not "down".
#include <nlohmann/json.hpp>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "tools/gosmartctl/session.hpp"

namespace gosmart::ctl {

struct PeerLink {
  std::string name;
  std::string state;  // alive, evasive, expired, unknown
  uint64_t lag_events = 0;
  double lag_s = 0;  // how long its oldest unapplied event has waited
  double last_seen_s = 0;
  bool regressed = false;        // its head went below what was applied here (a restore?)
  uint64_t epoch_conflicts = 0;  // its seqs held here twice, with other content
};

// A node that found its own log behind its peers' copies (restored from a backup).
struct RestoreReport {
  std::string state;  // "", "recovering", "recovered"
  uint64_t head_before = 0;
  uint64_t peers_head = 0;
  uint64_t recovered_to = 0;
  uint64_t recovered_events = 0;
  uint64_t lost_records = 0;
};

struct ServiceStatus {
  std::string node;  // country
  std::string service;
  std::string endpoint;
  bool own = false;  // a service of the node whose config this is
  bool up = false;
  std::string failure;   // why not up
  bool refused = false;  // up, but refused this key in the handshake
  bool healthy = false;
  std::string version;
  uint64_t uptime_s = 0;
  uint64_t last_seq_written = 0;
  std::map<std::string, uint64_t> applied;
  std::vector<PeerLink> peers;
  std::map<std::string, double> metrics;
  RestoreReport restore;
};

// A peer is lagging beyond this many events, or regressed, or this node was restored
// from a backup (until its next start, so that what it lost is seen): degraded.
inline constexpr uint64_t kLagEventsDegraded = 1000;
inline constexpr double kLagSecondsDegraded = 30;

struct StatusReport {
  std::vector<ServiceStatus> services;
  int exit_code() const;
  const char* verdict() const;  // "healthy", "degraded", "not authorised", "down"
  bool refused() const;         // a service of this node refused the key
  nlohmann::json to_json() const;
  void print(std::ostream& out, bool colour) const;
};

StatusReport gather_status(Session& session, bool federation);

}  // namespace gosmart::ctl
