// gosmart-matching: the matching core (matching.hpp) on the service host, reading
// the local registry's merged stream.
//   gosmart-matching --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error, 3 the store
// failed a write (service::kExitStorageFailed: restart it; the WAL replays).
#include <spdlog/spdlog.h>

#include "common/service/service_host.hpp"
#include "services/matching/matching.hpp"
#include "services/matching/matching_writes.hpp"
#include "services/matching/settings.hpp"

using namespace gosmart;

namespace {

int run(const std::string& config_file) {
  service::ServiceHost host(
      config_file,
      {"matching", wire::Service::MATCHING, matching::matching_column_families(), false, {}});
  const auto& node = host.node();
  const auto& registry_service = node.service("registry");
  const auto& registry = registry_service.endpoints;
  if (registry.events.empty() || registry.sync.empty()) {
    throw config::ConfigError("config: services.registry.events and .sync: matching reads them");
  }
  matching::MatchingCore core(host.store(), host.log(), host.info(),
                              matching::matching_options(node), &host.publisher());
  auto started = std::chrono::steady_clock::now();
  std::size_t profiles = core.load();
  double rebuild_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("matching: index rebuilt from the store: {} profiles in {:.2f} s", profiles,
               rebuild_s);

  // The local registry's merged stream: its own country's events and every peer's.
  auto options = host.subscriber_options();
  options.origins = std::set<std::string>(node.members.begin(), node.members.end());
  options.cursor_column_family = matching::kCursorsCf;
  const auto& registry_key =
      registry_service.keys ? registry_service.keys->public_key : node.public_key;
  host.subscribe("registry", registry, registry_key, core, options);

  core.install(host.server());
  // Decisions are committed as the registry's writes are: pipelined, replies sent
  // once durable.
  matching::MatchingWrites writes(core);
  service::CommitPipeline commits(host.store(), writes);
  host.use_pipeline(commits);
  core.set_api_commits(&commits);
  // Replies to decisions are kept in the decision's batch (use_pipeline): a retry is
  // answered with them; an erasure drops those about its profiles.
  core.set_idempotency(&host.idempotency());
  host.set_metrics([&]() -> service::ServiceHost::Metrics {
    return {{"matching.index_profiles", static_cast<double>(core.index().size())},
            {"matching.matches_announced", static_cast<double>(core.matches_announced())},
            {"matching.queue_length", static_cast<double>(core.queue_length())},
            {"matching.index_rebuild_seconds", rebuild_s},
            {"matching.dictionary_entries", static_cast<double>(core.dictionary().entries())},
            {"matching.requests", static_cast<double>(host.server().requests()), true}};
  });
  host.run(fmt::format("matching {} up: api {}, reading registry {}, {} profiles indexed",
                       node.country, host.config().endpoints.api, registry.events,
                       core.index().size()));
  commits.finish();  // what was acknowledged is durable; what was staged is stored too
  spdlog::info("matching {} stopped", node.country);
  return host.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(
      argc, argv, "gosmart-matching",
      "GoSmart matching: transnational partner matching with explained scores", run);
}
