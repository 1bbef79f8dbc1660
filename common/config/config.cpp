#include "common/config/config.hpp"

#include "common/config/private_file.hpp"

#include "common/config/toml_table.hpp"
#include "common/core/codes.hpp"
#include "common/core/curve.hpp"

#include <sys/stat.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace gosmart::config {
namespace {

// The node's own tables; any other top-level table must be one of its services'.
const std::set<std::string> kNodeTables = {"node",     "federation", "keys",   "limits",
                                           "services", "peers",      "clients"};

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw ConfigError("config: " + key + ": " + why);
}

void reject_unknown_keys(const toml::table& table, const std::string& path,
                         const std::set<std::string>& known) {
  for (const auto& [key, value] : table) {
    (void)value;
    std::string name(key.str());
    if (!known.count(name)) {
      bad(path.empty() ? name : path + "." + name, "unknown key");
    }
  }
}

const toml::table* table_at(const toml::table& parent, const std::string& key,
                            const std::string& path) {
  const toml::node* node = parent.get(key);
  if (!node) return nullptr;
  if (!node->is_table()) bad(path, "must be a table");
  return node->as_table();
}

std::optional<std::string> string_at(const toml::table& table, const std::string& key,
                                     const std::string& path) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (!node->is_string()) bad(path, "must be a string");
  return node->value<std::string>();
}

std::string required_string(const toml::table& table, const std::string& key,
                            const std::string& path) {
  auto value = string_at(table, key, path);
  if (!value || value->empty()) bad(path, "is required");
  return *value;
}

template <class Int>
std::optional<Int> int_at(const toml::table& table, const std::string& key, const std::string& path,
                          int64_t min, int64_t max) {
  const toml::node* node = table.get(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) bad(path, "must be an integer");
  int64_t value = *node->value<int64_t>();
  if (value < min || value > max) {
    bad(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                  std::to_string(value));
  }
  return static_cast<Int>(value);
}

void check_endpoint(const std::string& endpoint, const std::string& path) {
  if (endpoint.empty()) return;
  if (endpoint.rfind("tcp://", 0) != 0 && endpoint.rfind("ipc://", 0) != 0 &&
      endpoint.rfind("inproc://", 0) != 0) {
    bad(path, "'" + endpoint + "' is not a tcp://, ipc:// or inproc:// endpoint");
  }
}

void check_log_level(const std::string& level, const std::string& path) {
  static const std::set<std::string> levels = {"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
  if (!levels.count(level)) bad(path, "'" + level + "' is not a log level");
}

Endpoints parse_endpoints(const toml::table& table, const std::string& path,
                          const std::string& prefix) {
  Endpoints endpoints;
  endpoints.api = string_at(table, prefix + "api", path + "." + prefix + "api").value_or("");
  endpoints.events =
      string_at(table, prefix + "events", path + "." + prefix + "events").value_or("");
  endpoints.sync = string_at(table, prefix + "sync", path + "." + prefix + "sync").value_or("");
  check_endpoint(endpoints.api, path + "." + prefix + "api");
  check_endpoint(endpoints.events, path + "." + prefix + "events");
  check_endpoint(endpoints.sync, path + "." + prefix + "sync");
  return endpoints;
}

std::string read_secret_key(const std::filesystem::path& file, const std::string& path) {
  std::istringstream line(read_private_file(file, path));
  std::string key;
  line >> key;
  if (!curve::is_z85_key(key)) bad(path, "'" + file.string() + "' does not hold a Z85 CURVE key");
  return key;
}

void parse_node(const toml::table& root, const std::filesystem::path& base, NodeConfig& cfg) {
  const toml::table* node = table_at(root, "node", "node");
  if (!node) bad("node", "is required");
  reject_unknown_keys(*node, "node", {"country", "data_dir", "log_level", "log_format"});
  cfg.country = required_string(*node, "country", "node.country");
  cfg.data_dir = base / required_string(*node, "data_dir", "node.data_dir");
  cfg.log_level = string_at(*node, "log_level", "node.log_level").value_or("info");
  check_log_level(cfg.log_level, "node.log_level");
  cfg.log_format = string_at(*node, "log_format", "node.log_format").value_or("human");
  if (cfg.log_format != "human" && cfg.log_format != "json") {
    bad("node.log_format", "must be \"human\" or \"json\"");
  }
}

void parse_federation(const toml::table& root, NodeConfig& cfg) {
  cfg.members = default_members();
  const toml::table* federation = table_at(root, "federation", "federation");
  if (!federation) return;
  reject_unknown_keys(*federation, "federation", {"members"});
  const toml::node* members = federation->get("members");
  if (!members) return;
  if (!members->is_array()) bad("federation.members", "must be an array of country codes");
  cfg.members.clear();
  for (const auto& item : *members->as_array()) {
    auto code = item.value<std::string>();
    if (!code || !is_country_code(*code)) {
      bad("federation.members", "every member must be an ISO 3166-1 alpha-2 code");
    }
    cfg.members.push_back(*code);
  }
}

void parse_keys(const toml::table& root, const std::filesystem::path& base, NodeConfig& cfg) {
  const toml::table* keys = table_at(root, "keys", "keys");
  if (!keys) bad("keys", "is required");
  reject_unknown_keys(*keys, "keys", {"public", "secret_file"});
  cfg.public_key = required_string(*keys, "public", "keys.public");
  if (!curve::is_z85_key(cfg.public_key)) bad("keys.public", "is not a Z85 CURVE public key");
  cfg.secret_key = read_secret_key(base / required_string(*keys, "secret_file", "keys.secret_file"),
                                   "keys.secret_file");
}

void parse_limits(const toml::table& root, NodeConfig& cfg) {
  const toml::table* limits = table_at(root, "limits", "limits");
  if (!limits) return;
  reject_unknown_keys(
      *limits, "limits",
      {"max_message_bytes", "high_water_mark", "heartbeat_ms", "peer_evasive_ms", "peer_expired_ms",
       "catchup_page_events", "idempotency_retention_s", "min_free_disk_mb"});
  auto& l = cfg.limits;
  l.max_message_bytes =
      int_at<std::size_t>(*limits, "max_message_bytes", "limits.max_message_bytes", 4096, 64 << 20)
          .value_or(l.max_message_bytes);
  l.high_water_mark =
      int_at<int>(*limits, "high_water_mark", "limits.high_water_mark", 10, 10'000'000)
          .value_or(l.high_water_mark);
  l.heartbeat_ms = int_at<int>(*limits, "heartbeat_ms", "limits.heartbeat_ms", 10, 600'000)
                       .value_or(l.heartbeat_ms);
  l.peer_evasive_ms =
      int_at<int>(*limits, "peer_evasive_ms", "limits.peer_evasive_ms", 10, 3'600'000)
          .value_or(l.peer_evasive_ms);
  l.peer_expired_ms =
      int_at<int>(*limits, "peer_expired_ms", "limits.peer_expired_ms", 10, 3'600'000)
          .value_or(l.peer_expired_ms);
  l.catchup_page_events =
      int_at<int>(*limits, "catchup_page_events", "limits.catchup_page_events", 1, 100'000)
          .value_or(l.catchup_page_events);
  l.idempotency_retention_s = int_at<int>(*limits, "idempotency_retention_s",
                                          "limits.idempotency_retention_s", 1, 30 * 24 * 3600)
                                  .value_or(l.idempotency_retention_s);
  l.min_free_disk_mb =
      int_at<int>(*limits, "min_free_disk_mb", "limits.min_free_disk_mb", 0, 1'000'000)
          .value_or(l.min_free_disk_mb);
  if (l.peer_expired_ms <= l.peer_evasive_ms) {
    bad("limits.peer_expired_ms", "must be larger than limits.peer_evasive_ms");
  }
}

// A service's name: lower-case letters, digits and '-', starting with a letter, and
// none of the node's own tables (it may name a table of its own settings).
bool is_service_name(const std::string& name) {
  if (name.empty() || name.size() > 32 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return !kNodeTables.count(name);
}

// A service's own key: both halves or neither.
std::optional<curve::CurveKeyPair> parse_service_keys(const toml::table& table,
                                                      const std::filesystem::path& base,
                                                      const std::string& path) {
  auto public_key = string_at(table, "public_key", path + ".public_key");
  auto secret_file = string_at(table, "secret_file", path + ".secret_file");
  if (!public_key && !secret_file) return std::nullopt;
  if (!public_key) bad(path + ".public_key", "is required with secret_file");
  if (!secret_file) bad(path + ".secret_file", "is required with public_key");
  if (!curve::is_z85_key(*public_key)) bad(path + ".public_key", "is not a Z85 CURVE public key");
  return curve::CurveKeyPair{*public_key,
                             read_secret_key(base / *secret_file, path + ".secret_file")};
}

void parse_services(const toml::table& root, const std::filesystem::path& base, NodeConfig& cfg) {
  const toml::table* services = table_at(root, "services", "services");
  if (!services) return;
  for (const auto& [key, value] : *services) {
    std::string name(key.str());
    std::string path = "services." + name;
    if (!is_service_name(name)) {
      bad(path, "is not a service name (lower-case letters, digits and '-')");
    }
    if (!value.is_table()) bad(path, "must be a table");
    const toml::table& table = *value.as_table();
    reject_unknown_keys(table, path,
                        {"api", "events", "sync", "data_dir", "log_level", "metrics_port",
                         "metrics_address", "public_key", "secret_file", "role"});
    ServiceConfig service;
    service.name = name;
    service.endpoints = parse_endpoints(table, path, "");
    auto dir = string_at(table, "data_dir", path + ".data_dir");
    service.data_dir = cfg.data_dir / (dir ? *dir : name);  // an absolute dir wins over the base
    service.log_level = string_at(table, "log_level", path + ".log_level").value_or(cfg.log_level);
    check_log_level(service.log_level, path + ".log_level");
    service.metrics_port =
        int_at<uint16_t>(table, "metrics_port", path + ".metrics_port", 0, 65535).value_or(0);
    service.metrics_address = string_at(table, "metrics_address", path + ".metrics_address")
                                  .value_or(service.metrics_address);
    service.keys = parse_service_keys(table, base, path);
    if (auto role_text = string_at(table, "role", path + ".role")) {
      auto role = parse_role(*role_text);
      if (!role || *role == Role::peer) {
        bad(path + ".role", "must be one of service, notifier, broker, integration, monitor");
      }
      service.role = *role;
    }
    cfg.services.emplace(name, std::move(service));
  }
}

// A peer's endpoints were flat keys once (registry_api, ...); say where they went.
void reject_peer_keys(const toml::table& table, const std::string& path) {
  static const std::set<std::string> known = {"country", "public_key", "services"};
  for (const auto& [key, value] : table) {
    (void)value;
    std::string name(key.str());
    if (known.count(name)) continue;
    auto ends_with = [&name](const std::string& tail) {
      return name.size() > tail.size() &&
             name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (ends_with("_api") || ends_with("_events") || ends_with("_sync")) {
      bad(path + "." + name,
          "unknown key: a peer's endpoints are listed per service, in "
          "[peers.services.<service>] api, events, sync");
    }
    bad(path + "." + name, "unknown key");
  }
}

void parse_peers(const toml::table& root, NodeConfig& cfg) {
  const toml::node* peers = root.get("peers");
  if (!peers) return;
  if (!peers->is_array_of_tables()) bad("peers", "must be an array of tables ([[peers]])");
  std::set<std::string> seen;
  std::size_t index = 0;
  for (const auto& item : *peers->as_array()) {
    std::string path = "peers[" + std::to_string(index++) + "]";
    const toml::table& table = *item.as_table();
    reject_peer_keys(table, path);
    Peer peer;
    peer.country = required_string(table, "country", path + ".country");
    if (!cfg.is_member(peer.country)) {
      bad(path + ".country", "'" + peer.country + "' is not a federation member");
    }
    if (peer.country == cfg.country) bad(path + ".country", "a node is not its own peer");
    if (!seen.insert(peer.country).second) bad(path + ".country", "listed twice");
    peer.public_key = required_string(table, "public_key", path + ".public_key");
    if (!curve::is_z85_key(peer.public_key))
      bad(path + ".public_key", "is not a Z85 CURVE public key");
    if (const toml::table* services = table_at(table, "services", path + ".services")) {
      for (const auto& [key, value] : *services) {
        std::string name(key.str());
        std::string service_path = path + ".services." + name;
        if (!is_service_name(name)) {
          bad(service_path, "is not a service name (lower-case letters, digits and '-')");
        }
        if (!value.is_table()) bad(service_path, "must be a table");
        reject_unknown_keys(*value.as_table(), service_path, {"api", "events", "sync"});
        peer.services.emplace(name, parse_endpoints(*value.as_table(), service_path, ""));
      }
    }
    cfg.peers.push_back(std::move(peer));
  }
}

// Top-level tables the node does not know must be one of its services' own.
void keep_service_sections(const toml::table& root, NodeConfig& cfg) {
  for (const auto& [key, value] : root) {
    std::string name(key.str());
    if (kNodeTables.count(name)) continue;
    if (!cfg.services.count(name)) {
      bad(name, "unknown key (a service's own table needs its [services." + name + "])");
    }
    if (!value.is_table()) bad(name, "must be a table");
    cfg.sections.emplace(
        name,
        Section(std::make_shared<const Section::Table>(Section::Table{*value.as_table()}), name));
  }
}

void parse_clients(const toml::table& root, NodeConfig& cfg) {
  const toml::node* clients = root.get("clients");
  if (!clients) return;
  if (!clients->is_array_of_tables()) bad("clients", "must be an array of tables ([[clients]])");
  std::size_t index = 0;
  for (const auto& item : *clients->as_array()) {
    std::string path = "clients[" + std::to_string(index++) + "]";
    const toml::table& table = *item.as_table();
    reject_unknown_keys(table, path, {"name", "role", "public_key"});
    Client client;
    client.name = required_string(table, "name", path + ".name");
    auto role = parse_role(required_string(table, "role", path + ".role"));
    if (!role || *role == Role::peer || *role == Role::service || *role == Role::notifier) {
      bad(path + ".role", "must be one of broker, integration, monitor");
    }
    client.role = *role;
    client.public_key = required_string(table, "public_key", path + ".public_key");
    if (!curve::is_z85_key(client.public_key))
      bad(path + ".public_key", "is not a Z85 CURVE public key");
    cfg.clients.push_back(std::move(client));
  }
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::peer:
      return "peer";
    case Role::broker:
      return "broker";
    case Role::integration:
      return "integration";
    case Role::monitor:
      return "monitor";
    case Role::service:
      return "service";
    case Role::notifier:
      return "notifier";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "peer") return Role::peer;
  if (text == "broker") return Role::broker;
  if (text == "integration") return Role::integration;
  if (text == "monitor") return Role::monitor;
  if (text == "service") return Role::service;
  if (text == "notifier") return Role::notifier;
  return std::nullopt;
}

const std::vector<std::string>& default_members() {
  static const std::vector<std::string> members = {"PL", "FI", "DK", "DE", "LV", "EE", "LT"};
  return members;
}

const ServiceConfig& NodeConfig::service(const std::string& name) const {
  auto it = services.find(name);
  if (it == services.end()) throw ConfigError("config: services." + name + ": is required");
  return it->second;
}

Section NodeConfig::section(const std::string& name) const {
  auto it = sections.find(name);
  return it == sections.end() ? Section({}, name) : it->second;
}

const Endpoints* Peer::service(std::string_view name) const {
  auto it = services.find(std::string(name));
  return it == services.end() ? nullptr : &it->second;
}

const Peer* NodeConfig::peer(std::string_view code) const {
  for (const auto& p : peers) {
    if (p.country == code) return &p;
  }
  return nullptr;
}

bool NodeConfig::is_member(std::string_view code) const {
  return std::find(members.begin(), members.end(), code) != members.end();
}

NodeConfig parse_config(std::string_view toml_text, const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << "config: line " << e.source().begin.line << ": " << e.description();
    throw ConfigError(where.str());
  }
  NodeConfig cfg;
  parse_node(root, base_dir, cfg);
  parse_federation(root, cfg);
  if (!is_country_code(cfg.country)) bad("node.country", "must be an ISO 3166-1 alpha-2 code");
  if (!cfg.is_member(cfg.country)) {
    bad("node.country", "'" + cfg.country + "' is not a federation member");
  }
  parse_keys(root, base_dir, cfg);
  parse_limits(root, cfg);
  parse_services(root, base_dir, cfg);
  keep_service_sections(root, cfg);
  parse_peers(root, cfg);
  parse_clients(root, cfg);
  return cfg;
}

NodeConfig load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("config: cannot read '" + file.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), std::filesystem::absolute(file).parent_path());
}

std::string read_private_file(const std::filesystem::path& file, const std::string& key) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) bad(key, "cannot read '" + file.string() + "'");
  if (info.st_mode & (S_IRWXG | S_IRWXO)) {
    bad(key, "'" + file.string() + "' is readable by others; chmod 600 it");
  }
  std::ifstream in(file);
  if (!in) bad(key, "cannot read '" + file.string() + "'");
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace gosmart::config
