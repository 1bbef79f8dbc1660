#pragma once
// A local federation: the seven nodes (or fewer) on loopback, each with every
// service that exists, as detached processes. The directory holds everything:
//   DIR/countries                 the federation's members, fixed at the first `up`
//   DIR/operator.{public,secret}  a broker key allowed on every node
//   DIR/monitor.{public,secret}   a read-only key allowed on every node
//   DIR/<cc>/node.toml            the node's config (gosmartctl --config takes it)
//   DIR/<cc>/node.{public,secret} the node's keypair (secret 0600)
//   DIR/<cc>/data/                its services' RocksDB
//   DIR/<cc>/notifier.{public,secret}  the notifier's own keypair (its own role)
//   DIR/<cc>/<service>.log, .pid  what `up` started, and what `down` stops
//   DIR/mail.port                 the local mail relay's port (every notifier sends there)
//   DIR/mail/                     what the relay accepted, a Maildir (deploy/local/mail-catcher)
//   DIR/mail-catcher.log, .pid    the relay, started and stopped with the nodes
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/config/config.hpp"

namespace gosmart::federation {

inline const std::vector<std::string> kServices = {"registry", "matching", "notifier", "audit"};

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

// Starts every service its node's config names and is not already running; returns
// what runs. With `mail_catcher` (deploy/local/mail-catcher), the local mail relay too.
std::vector<ProcessState> start_all(const Layout& layout, const std::filesystem::path& bin_dir,
                                    const std::filesystem::path& mail_catcher = {});
// The local mail relay: its pid (0: not running), its port (0: none configured).
struct MailRelay {
  int pid = 0;
  int port = 0;
  std::filesystem::path maildir;
};
MailRelay mail_relay(const Layout& layout);
// Whether the relay on `port` greets as deploy/local/mail-catcher does (within
// `timeout`): another program holding the port is not the federation's relay.
bool relay_answers(int port, std::chrono::milliseconds timeout);
std::vector<ProcessState> running(const Layout& layout);
// Stops exactly the processes of the pid files (TERM, then KILL after `grace_s`).
std::size_t stop_all(const Layout& layout, int grace_s = 10);

// The directory's layout as prepared before; throws when there is none.
Layout existing(const std::filesystem::path& dir);

}  // namespace gosmart::federation
