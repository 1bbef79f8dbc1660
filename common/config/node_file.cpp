#include "common/config/node_file.hpp"

#include <fstream>
#include <sstream>

namespace gosmart::config {
namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void write_endpoints(std::ostream& out, const Endpoints& endpoints) {
  if (!endpoints.api.empty()) out << "api = " << quoted(endpoints.api) << "\n";
  if (!endpoints.events.empty()) out << "events = " << quoted(endpoints.events) << "\n";
  if (!endpoints.sync.empty()) out << "sync = " << quoted(endpoints.sync) << "\n";
}

void write_limits(std::ostream& out, const Limits& limits) {
  const Limits defaults;
  std::ostringstream body;
  auto line = [&body](const char* key, auto value, auto default_value) {
    if (value != default_value) body << key << " = " << value << "\n";
  };
  line("max_message_bytes", limits.max_message_bytes, defaults.max_message_bytes);
  line("high_water_mark", limits.high_water_mark, defaults.high_water_mark);
  line("heartbeat_ms", limits.heartbeat_ms, defaults.heartbeat_ms);
  line("peer_evasive_ms", limits.peer_evasive_ms, defaults.peer_evasive_ms);
  line("peer_expired_ms", limits.peer_expired_ms, defaults.peer_expired_ms);
  line("catchup_page_events", limits.catchup_page_events, defaults.catchup_page_events);
  line("idempotency_retention_s", limits.idempotency_retention_s, defaults.idempotency_retention_s);
  line("min_free_disk_mb", limits.min_free_disk_mb, defaults.min_free_disk_mb);
  if (!body.str().empty()) out << "[limits]\n" << body.str() << "\n";
}

}  // namespace

std::string node_toml(const NodeFile& file) {
  std::ostringstream out;
  if (!file.comment.empty()) out << "# " << file.comment << "\n";
  out << "[node]\ncountry = " << quoted(file.country) << "\ndata_dir = " << quoted(file.data_dir)
      << "\n";
  if (!file.log_level.empty()) out << "log_level = " << quoted(file.log_level) << "\n";
  out << "\n";
  if (!file.members.empty()) {
    out << "[federation]\nmembers = [";
    for (std::size_t i = 0; i < file.members.size(); ++i) {
      out << (i ? ", " : "") << quoted(file.members[i]);
    }
    out << "]\n\n";
  }
  out << "[keys]\npublic = " << quoted(file.public_key)
      << "\nsecret_file = " << quoted(file.secret_file) << "\n\n";
  write_limits(out, file.limits);
  for (const auto& service : file.services) {
    out << "[services." << service.name << "]\n";
    write_endpoints(out, service.endpoints);
    if (service.metrics_port != 0) out << "metrics_port = " << service.metrics_port << "\n";
    if (!service.public_key.empty()) {
      out << "public_key = " << quoted(service.public_key)
          << "\nsecret_file = " << quoted(service.secret_file) << "\n";
    }
    if (service.role) out << "role = " << quoted(role_name(*service.role)) << "\n";
    out << "\n";
  }
  for (const auto& peer : file.peers) {
    out << "[[peers]]\ncountry = " << quoted(peer.country)
        << "\npublic_key = " << quoted(peer.public_key) << "\n";
    for (const auto& [name, endpoints] : peer.services) {
      out << "[peers.services." << name << "]\n";
      write_endpoints(out, endpoints);
    }
    out << "\n";
  }
  for (const auto& client : file.clients) {
    out << "[[clients]]\nname = " << quoted(client.name)
        << "\nrole = " << quoted(role_name(client.role))
        << "\npublic_key = " << quoted(client.public_key) << "\n\n";
  }
  out << file.service_settings;
  return out.str();
}

void write_node_file(const std::filesystem::path& path, const NodeFile& file) {
  std::ofstream out(path);
  if (!out) throw ConfigError("config: cannot write '" + path.string() + "'");
  out << node_toml(file);
  if (!out.flush()) throw ConfigError("config: cannot write '" + path.string() + "'");
}

}  // namespace gosmart::config
