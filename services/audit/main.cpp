// gosmart-audit: keeps a tamper-evident record of every event of its node's local
// streams (audit_log.hpp) and answers proofs against its checkpoints (audit_api.hpp),
// on the service host.
//   gosmart-audit --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error, 3 the store
// failed a write (service::kExitStorageFailed: restart it; the WAL replays).
#include <spdlog/spdlog.h>

#include "common/service/service_host.hpp"
#include "services/audit/audit_api.hpp"
#include "services/audit/audit_log.hpp"
#include "services/audit/signing_key.hpp"

using namespace gosmart;

namespace {

// The local streams an audit reads, those configured with events and sync.
const std::vector<std::string> kStreams = {"registry", "matching", "notifier"};

int run(const std::string& config_file) {
  std::vector<std::string> streams;
  auto check = [&](const config::NodeConfig& node) {
    for (const auto& name : kStreams) {
      if (!node.services.contains(name)) continue;
      const auto& service = node.service(name);
      if (!service.endpoints.events.empty() && !service.endpoints.sync.empty()) {
        streams.push_back(name);
      }
    }
    if (streams.empty()) {
      throw config::ConfigError(
          "config: services: the audit reads the registry, matching or notifier stream, and "
          "none has events and sync endpoints");
    }
  };
  service::ServiceHost host(config_file, {"audit", wire::Service::AUDIT,
                                          audit::audit_column_families(kStreams), false, check});
  const auto& node = host.node();
  const std::string origin = "gosmart-audit/" + node.country;
  audit::AuditLog log(host.store(), origin);
  auto signer = audit::audit_signing_key(host.config().data_dir / "audit-signing.key", origin);
  spdlog::info("audit {}: checkpoints signed by {}", node.country,
               audit::verifier_key_text(audit::verifier_of(signer)));

  std::vector<std::unique_ptr<replication::Applier>> appliers;
  for (const auto& name : streams) {
    const auto& service = node.service(name);
    auto options = host.subscriber_options();
    options.cursor_column_family = audit::cursors_cf(name);
    appliers.push_back(log.applier_for(name));
    host.subscribe(name, service.endpoints,
                   service.keys ? service.keys->public_key : node.public_key, *appliers.back(),
                   options);
  }
  // Witnessing: every peer that lists an audit cosigns this log's checkpoints, and
  // this audit cosigns theirs ([audit] witness_interval_ms, 5 s by default).
  auto settings = node.section("audit");
  auto interval = std::chrono::milliseconds(
      settings.integer("witness_interval_ms", 50, 3'600'000).value_or(5000));
  settings.finish();
  std::vector<audit::WitnessPeer> witnesses;
  for (const auto& peer : node.peers) {
    if (const auto* api = peer.service("audit"); api && !api->api.empty()) {
      witnesses.push_back({peer.country, api->api, peer.public_key});
    }
  }
  audit::Witness witness(host.store(), signer);
  audit::Witnessing witnessing(host.store(), host.transport(), log, signer, node.country,
                               witnesses);
  witnessing.attach(host.loop());
  host.loop().every(interval, [&] { witnessing.round(); });
  // A witness refusing this log, holding more of it than it has, or going back on
  // what it cosigned: the audit says it is unhealthy, so `gosmartctl status` says
  // degraded (outside findings: only the log said so).
  host.set_health_fill(
      [&witnessing](wire::HealthReply::Builder&) { return witnessing.troubles().empty(); });
  audit::install_audit_api(
      host.server(), host.info(), log, signer, streams,
      [&node](std::string_view country) { return node.is_member(country); }, witness, witnessing);
  host.set_metrics([&]() -> service::ServiceHost::Metrics {
    return {{"audit.tree_size", static_cast<double>(log.size())},
            {"audit.rewritten_events", static_cast<double>(log.rewritten()), true},
            {"audit.witnessed_size", static_cast<double>(witnessing.witnessed().size)},
            {"audit.cosignatures_received", static_cast<double>(witnessing.cosignatures()), true},
            {"audit.witness_refusals", static_cast<double>(witnessing.refusals()), true},
            {"audit.witness_troubles", static_cast<double>(witnessing.troubles().size())}};
  });
  host.run(fmt::format("audit {} up: api {}, reading {}, tree of {} leaves", node.country,
                       host.config().endpoints.api, fmt::join(streams, ", "), log.size()));
  spdlog::info("audit {} stopped at {} leaves", node.country, log.size());
  return host.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(argc, argv, "gosmart-audit",
                               "GoSmart audit: a tamper-evident record of the node's events", run);
}
