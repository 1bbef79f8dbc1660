// gosmart-registry: the registry (registry.hpp) on the service host: its peers'
// streams, the outbox to their registries, expiry, its health figures.
//   gosmart-registry --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error, 3 the store
// failed a write (service::kExitStorageFailed: restart it; the WAL replays).
#include <spdlog/spdlog.h>

#include "common/service/service_host.hpp"
#include "services/registry/peer_outbox.hpp"
#include "services/registry/registry.hpp"
#include "services/registry/registry_writes.hpp"
#include "services/registry/replica_applier.hpp"
#include "services/registry/restore_recovery.hpp"
#include "services/registry/settings.hpp"

using namespace gosmart;

namespace {

int run(const std::string& config_file) {
  service::ServiceHost host(
      config_file,
      {"registry", wire::Service::REGISTRY, registry::registry_column_families(), true, {}});
  const auto& node = host.node();
  auto languages = registry::LanguageCodes::from_iso_codes();
  registry::Registry registry(host.store(), host.log(), host.info(),
                              {node.country, node.members, &languages, nullptr, 500,
                               registry::registry_settings(node).max_open_eois_per_org,
                               node.limits.max_message_bytes / 2, node.secret_key});
  registry.install(host.server());
  registry.set_idempotency(&host.idempotency());
  registry::ReplicaApplier replicas(registry, host.log(), host.publisher());
  registry::RegistryWrites writes(registry, host.log(), host.publisher());
  service::CommitPipeline commits(host.store(), writes);
  host.use_pipeline(commits);

  // Each peer's own events, read from its registry (it relays others': passed over).
  // Its copies of this registry's own events are what a restore takes back.
  registry::RestoreRecovery::Options recovery_options;
  recovery_options.page_events = static_cast<std::size_t>(node.limits.catchup_page_events);
  recovery_options.limits = host.subscriber_options().limits;
  registry::RestoreRecovery recovery(registry, host.log(), commits, recovery_options);
  for (const auto& peer : node.peers) {
    const config::Endpoints* endpoints = peer.service("registry");
    if (!endpoints || endpoints->events.empty() || endpoints->sync.empty()) continue;
    auto options = host.subscriber_options();
    options.origins = {peer.country};
    options.ignore_other_origins = true;
    auto& stream = host.subscribe(peer.country, *endpoints, peer.public_key, replicas, options,
                                  {peer.country});
    recovery.add_peer(peer.country, host.transport(), *endpoints, peer.public_key, stream);
  }
  recovery.attach(host.loop());
  host.set_health_fill(
      [&recovery](wire::HealthReply::Builder& health) { return recovery.fill(health); });

  // The outbox: expressions of interest forwarded to their peers' registries.
  registry::PeerOutbox outbox(registry, commits, host.transport(), node);
  outbox.attach(host.loop());

  host.set_metrics([&]() -> service::ServiceHost::Metrics {
    return {{"registry.organisations", static_cast<double>(registry.organisations())},
            {"registry.profiles_published", static_cast<double>(registry.profiles_published())},
            {"registry.requests", static_cast<double>(host.server().requests()), true},
            {"registry.refused", static_cast<double>(host.server().refused()), true},
            {"registry.replica_profiles_published",
             static_cast<double>(registry.replica_profiles_published())}};
  });
  auto expire = [&] {  // by itself: at start and every minute after; not while recovering
    if (registry.writes_paused()) return;
    if (registry.expire_due() > 0) commits.flush();
  };
  host.loop().every(std::chrono::seconds(60), expire);
  expire();
  recovery.start();
  host.run(fmt::format("registry {} up: api {}, {} peers, log head {}", node.country,
                       host.config().endpoints.api, host.subscriptions(),
                       host.log().head(node.country)));
  commits.finish();  // what was acknowledged is durable; what was staged is stored too
  spdlog::info("registry {} stopped", node.country);
  return host.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(
      argc, argv, "gosmart-registry",
      "GoSmart registry: a country's organisations and cooperation profiles", run);
}
