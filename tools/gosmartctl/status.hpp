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
};

// A peer is lagging beyond this many events: the node counts as degraded.
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
