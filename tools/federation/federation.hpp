#pragma once
// A local federation: the seven nodes (or fewer) on loopback, each with every
// service that exists, as detached processes. The directory holds everything:
//   DIR/countries                 the federation's members, fixed at the first `up`
//   DIR/operator.{public,secret}  a broker key allowed on every node
//   DIR/monitor.{public,secret}   a read-only key allowed on every node
//   DIR/<cc>/node.toml            the node's config (gosmartctl --config takes it)
//   DIR/<cc>/node.{public,secret} the node's keypair (secret 0600)
//   DIR/<cc>/data/                its services' RocksDB
//   DIR/<cc>/<service>.log, .pid  what `up` started, and what `down` stops
#include <filesystem>
#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace gosmart::federation {

inline const std::vector<std::string> kServices = {"registry", "matching", "audit"};

struct Layout {
  std::filesystem::path dir;
  std::vector<std::string> countries;
};

// What the configs hold besides keys and free ports.
struct Options {
  Options();                                      // every service; quick liveness (500 ms beats)
  std::vector<std::string> services = kServices;  // each node runs these
  config::Limits limits;
};

// Creates keys and configs for `countries` on first use (ports picked free then and
// kept in the configs); later calls must name the same countries, or none.
Layout prepare(const std::filesystem::path& dir, const std::vector<std::string>& countries,
               const Options& options = Options());

struct ProcessState {
  std::string country, service;
  int pid = 0;  // 0: not running
  std::filesystem::path log;
};

// Starts every service not already running; returns what runs.
std::vector<ProcessState> start_all(const Layout& layout, const std::filesystem::path& bin_dir);
std::vector<ProcessState> running(const Layout& layout);
// Stops exactly the processes of the pid files (TERM, then KILL after `grace_s`).
std::size_t stop_all(const Layout& layout, int grace_s = 10);

// The directory's layout as prepared before; throws when there is none.
Layout existing(const std::filesystem::path& dir);

}  // namespace gosmart::federation
