#include "tools/gosmartctl/status.hpp"

#include <iomanip>
#include <sstream>

#include "tools/gosmartctl/table.hpp"

namespace gosmart::ctl {

namespace {

const char* state_name(wire::PeerStatus::State state) {
  switch (state) {
    case wire::PeerStatus::State::ALIVE:
      return "alive";
    case wire::PeerStatus::State::EVASIVE:
      return "evasive";
    case wire::PeerStatus::State::EXPIRED:
      return "expired";
    default:
      return "unknown";
  }
}

ServiceStatus probe(Session& session, const std::string& node, const std::string& service,
                    const std::string& endpoint, const std::string& key, bool own) {
  ServiceStatus s;
  s.node = node;
  s.service = service;
  s.endpoint = endpoint;
  s.own = own;
  auto answer = session.health(endpoint, key);
  if (!answer.reply) {
    s.failure = answer.failure;
    // The service answered the handshake by refusing the key: it is running.
    s.refused = answer.failure == "not authorised";
    return s;
  }
  auto health = answer.reply->payload<wire::HealthReply>();
  s.up = true;
  s.healthy = health.getHealthy();
  s.version = health.getVersion().cStr();
  s.uptime_s = health.getUptimeS();
  s.last_seq_written = health.getLastSeqWritten();
  for (auto a : health.getApplied()) s.applied[a.getOrigin().cStr()] = a.getLastSeq();
  for (auto p : health.getPeers()) {
    s.peers.push_back({p.getName().cStr(), state_name(p.getState()), p.getLagEvents(),
                       static_cast<double>(p.getLagMs()) / 1000.0,
                       static_cast<double>(p.getLastSeenMsAgo()) / 1000.0, p.getRegressed(),
                       p.getEpochConflicts()});
  }
  if (health.hasRestore()) {
    auto r = health.getRestore();
    bool recovering = r.getState() == wire::RestoreStatus::State::RECOVERING;
    if (recovering || r.getState() == wire::RestoreStatus::State::RECOVERED) {
      s.restore = {recovering ? "recovering" : "recovered",
                   r.getHeadBefore(),
                   r.getPeersHead(),
                   r.getRecoveredTo(),
                   r.getRecoveredEvents(),
                   r.getLostRecords()};
    }
  }
  for (auto m : health.getMetrics()) s.metrics[m.getName().cStr()] = m.getValue();
  return s;
}

bool degraded(const ServiceStatus& s) {
  if (!s.up || !s.healthy || !s.restore.state.empty()) return true;
  for (const auto& p : s.peers) {
    if (p.state != "alive" || p.regressed || p.lag_events > kLagEventsDegraded ||
        p.lag_s > kLagSecondsDegraded) {
      return true;
    }
  }
  return false;
}

std::string figure(double value) {
  std::ostringstream out;
  if (value == static_cast<double>(static_cast<int64_t>(value))) {
    out << static_cast<int64_t>(value);
  } else {
    out << std::fixed << std::setprecision(2) << value;
  }
  return out.str();
}

}  // namespace

StatusReport gather_status(Session& session, bool federation) {
  StatusReport report;
  const auto& node = session.node();
  for (const auto& [name, service] : node.services) {
    if (service.endpoints.api.empty()) continue;
    report.services.push_back(probe(session, node.country, name, service.endpoints.api,
                                    service.keys ? service.keys->public_key : node.public_key,
                                    true));
  }
  if (federation) {
    for (const auto& peer : node.peers) {
      for (const auto& [name, endpoints] : peer.services) {
        if (endpoints.api.empty()) continue;
        report.services.push_back(
            probe(session, peer.country, name, endpoints.api, peer.public_key, false));
      }
    }
  }
  return report;
}

int StatusReport::exit_code() const {
  bool any_degraded = false;
  for (const auto& s : services) {
    // A refused key is a refusal (1), as for every command: the service is there.
    if (s.own && !s.up && !s.refused) return 2;
    any_degraded = any_degraded || degraded(s);
  }
  return any_degraded ? 1 : 0;
}

bool StatusReport::refused() const {
  for (const auto& s : services) {
    if (s.own && s.refused) return true;
  }
  return false;
}

const char* StatusReport::verdict() const {
  static const char* words[] = {"healthy", "degraded", "down"};
  auto code = exit_code();
  if (code == 1 && refused()) return "not authorised";
  return words[code];
}

nlohmann::json StatusReport::to_json() const {
  nlohmann::json out = {{"health", verdict()}, {"services", nlohmann::json::array()}};
  for (const auto& s : services) {
    nlohmann::json peers = nlohmann::json::array();
    for (const auto& p : s.peers) {
      peers.push_back({{"name", p.name},
                       {"state", p.state},
                       {"lag_events", p.lag_events},
                       {"lag_s", p.lag_s},
                       {"last_seen_s", p.last_seen_s},
                       {"regressed", p.regressed},
                       {"epoch_conflicts", p.epoch_conflicts}});
    }
    out["services"].push_back({{"node", s.node},
                               {"service", s.service},
                               {"endpoint", s.endpoint},
                               {"own", s.own},
                               {"up", s.up},
                               {"failure", s.failure},
                               {"refused", s.refused},
                               {"healthy", s.healthy},
                               {"version", s.version},
                               {"uptime_s", s.uptime_s},
                               {"last_seq_written", s.last_seq_written},
                               {"applied", s.applied},
                               {"peers", peers},
                               {"metrics", s.metrics}});
    if (!s.restore.state.empty()) {
      out["services"].back()["restore"] = {{"state", s.restore.state},
                                           {"head_before", s.restore.head_before},
                                           {"peers_head", s.restore.peers_head},
                                           {"recovered_to", s.restore.recovered_to},
                                           {"recovered_events", s.restore.recovered_events},
                                           {"lost_records", s.restore.lost_records}};
    }
  }
  return out;
}

void StatusReport::print(std::ostream& out, bool colour) const {
  Table table(
      {"NODE", "SERVICE", "STATE", "VERSION", "UPTIME", "LAST SEQ", "PEERS", "MAX LAG", "FIGURES"});
  for (const auto& s : services) {
    std::string state = s.refused     ? s.failure
                        : !s.up       ? "down (" + s.failure + ")"
                        : degraded(s) ? "degraded"
                                      : "up";
    std::size_t alive = 0;
    uint64_t lag = 0;
    double lag_s = 0;
    for (const auto& p : s.peers) {
      alive += p.state == "alive";
      lag = std::max(lag, p.lag_events);
      lag_s = std::max(lag_s, p.lag_s);
    }
    std::string figures;
    for (const auto& [name, value] : s.metrics) {
      auto dot = name.find('.');
      figures += (figures.empty() ? "" : " ") +
                 (dot == std::string::npos ? name : name.substr(dot + 1)) + "=" + figure(value);
    }
    Colour tint = !s.up ? Colour::red : degraded(s) ? Colour::yellow : Colour::green;
    table.add(
        {s.node, s.service, state, s.up ? s.version : "", s.up ? figure(s.uptime_s) + "s" : "",
         s.up ? figure(static_cast<double>(s.last_seq_written)) : "",
         s.up ? std::to_string(alive) + "/" + std::to_string(s.peers.size()) : "",
         s.up ? figure(static_cast<double>(lag)) + " / " + figure(lag_s) + "s" : "", figures},
        tint);
  }
  table.print(out, colour);
  for (const auto& s : services) {
    for (const auto& p : s.peers) {
      if (p.state != "alive" || p.lag_events > 0) {
        // A peer never heard from reports the largest duration there is.
        std::string heard = p.last_seen_s > 1e9 ? "never heard from"
                                                : "last heard " + figure(p.last_seen_s) + " s ago";
        out << "  " << s.node << " " << s.service << " <- " << p.name << ": " << p.state << ", "
            << p.lag_events << " events (" << figure(p.lag_s) << " s) behind, " << heard << "\n";
      }
      if (p.regressed) {
        out << "  " << s.node << " " << s.service << " <- " << p.name
            << ": regressed: its head went below what was applied here (restored from a "
               "backup?)\n";
      }
      if (p.epoch_conflicts > 0) {
        out << "  " << s.node << " " << s.service << " <- " << p.name << ": " << p.epoch_conflicts
            << " sequence numbers came again with other content (epoch conflicts): both kept\n";
      }
    }
    const auto& r = s.restore;
    if (r.state.empty()) continue;
    out << "  " << s.node << " " << s.service << ": restored from a backup, " << r.state
        << ": its head was #" << r.head_before << ", peers held up to #" << r.peers_head;
    if (r.recovered_events > 0) {
      out << "; #" << r.head_before + 1 << "..#" << r.recovered_to << " (" << r.recovered_events
          << " events) fetched back from peers";
    }
    if (r.peers_head > r.recovered_to) {
      out << "; #" << r.recovered_to + 1 << "..#" << r.peers_head
          << " not agreed on by a majority of peers";
    }
    out << "; lost with the backup: the private part (contacts, unpublished records) of that "
           "range, "
        << r.lost_records << " organisations rebuilt from public events alone\n";
  }
  out << "health: " << verdict() << "\n";
}

}  // namespace gosmart::ctl
