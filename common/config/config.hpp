#pragma once
// One TOML file per node. Every key is known: an unknown key or a bad value is a
// ConfigError that names the key, so a typo never silently falls back to a default.
// This part knows nodes, not services: [node], [federation], [keys], [limits],
// [services.<name>], [[peers]] and [[clients]]. A table named after one of the
// node's services ([matching], say) is that service's own: it is kept as a Section
// that the service reads and checks itself (config/section.hpp).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config/config_error.hpp"
#include "common/config/section.hpp"
#include "common/core/curve.hpp"

namespace gosmart::config {

// What a caller's key may do; the ZAP handler tags each connection with it.
// `service` is another service of the same node (it holds the node's own key).
// `notifier` is the node's notifier under its own key: it reads the contacts and
// records its messages need and writes only a contact's preferences and consent.
enum class Role { peer, broker, integration, monitor, service, notifier };
const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view text);

struct Endpoints {
  std::string api;     // ROUTER: requests from clients, health, metrics
  std::string events;  // PUB: the service's event stream
  std::string sync;    // ROUTER: catch-up for subscribers
};

struct ServiceConfig {
  std::string name;
  Endpoints endpoints;
  std::filesystem::path data_dir;             // defaults to <node.data_dir>/<name>
  std::string log_level;                      // defaults to the node's
  uint16_t metrics_port = 0;                  // 0: the Prometheus endpoint is off
  std::string metrics_address = "127.0.0.1";  // where it listens
  // A service may hold a key of its own (public_key + secret_file) instead of the
  // node's; the node's other services then admit that key with `role` (default
  // service), named after the service.
  std::optional<curve::CurveKeyPair> keys;
  Role role = Role::service;
};

struct Peer {
  std::string country;
  std::string public_key;                                 // Z85, 40 characters
  std::map<std::string, Endpoints> services;              // [peers.services.<name>]
  const Endpoints* service(std::string_view name) const;  // null when not listed
};

struct Client {
  std::string name;
  Role role = Role::monitor;
  std::string public_key;
};

struct Limits {
  std::size_t max_message_bytes = 1 << 20;
  int high_water_mark = 10000;
  int heartbeat_ms = 1000;
  int peer_evasive_ms = 3000;  // Paranoid Pirate: liveness of three intervals
  int peer_expired_ms = 10000;
  int catchup_page_events = 1000;
  // How long a write's reply is kept for a retry with the same message id: longer
  // than any client's retry policy (a day covers a retry after a night's outage).
  int idempotency_retention_s = 24 * 3600;
  // Writes are refused (unavailable) while the data directory's disk has less free
  // room than this, so RocksDB keeps room to flush and compact (docs/platform.md).
  int min_free_disk_mb = 256;
};

struct NodeConfig {
  std::string country;
  std::vector<std::string> members;  // federation member countries
  std::filesystem::path data_dir;
  std::string log_level = "info";
  std::string log_format = "human";  // or "json"
  std::string public_key;
  std::string secret_key;  // read from keys.secret_file, never stored in the TOML
  std::map<std::string, ServiceConfig> services;
  std::vector<Peer> peers;
  std::vector<Client> clients;
  Limits limits;
  std::map<std::string, Section> sections;  // the services' own tables, unread

  const ServiceConfig& service(const std::string& name) const;  // throws ConfigError
  // The service's own table ([matching] for "matching"), empty when the file has none.
  Section section(const std::string& name) const;
  const Peer* peer(std::string_view country) const;
  bool is_member(std::string_view country) const;
};

// The federation of the Baltic Sea Region network; more join by listing them in
// [federation].members.
const std::vector<std::string>& default_members();

// `base_dir` resolves relative paths (data dir, key file) as the file's own folder.
NodeConfig parse_config(std::string_view toml_text, const std::filesystem::path& base_dir);
NodeConfig load_config(const std::filesystem::path& file);

}  // namespace gosmart::config
