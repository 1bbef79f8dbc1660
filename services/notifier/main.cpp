// gosmart-notifier: tells the node's own organisations of their matches, expressions
// of interest and profiles (notifier.hpp), by e-mail through the institution's SMTP
// relay and by webhook to partner portals, on the service host.
//   gosmart-notifier --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error, 3 the store
// failed a write (service::kExitStorageFailed: restart it; the WAL replays).
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "common/service/service_host.hpp"
#include "services/notifier/delivery.hpp"
#include "services/notifier/link_endpoint.hpp"
#include "services/notifier/link_key.hpp"
#include "services/notifier/registry_reader.hpp"

using namespace gosmart;

namespace {

constexpr int kRelayFailingUnhealthy = 3;  // the relay's failures in a row

int run(const std::string& config_file) {
  // The notifier's settings and templates are read before the host binds anything.
  std::optional<notifier::NotifierSettings> read;
  std::optional<notifier::Templates> loaded;
  auto check = [&](const config::NodeConfig& node) {
    read = notifier::notifier_settings(node, std::filesystem::absolute(config_file).parent_path());
    try {
      loaded = notifier::Templates::load(read->templates, notifier::notification_kinds());
    } catch (const std::runtime_error& e) {
      // A settings error like any other: named by its key, exit 1 before binding.
      std::string why = e.what();
      if (why.rfind("notifier: ", 0) == 0) why.erase(0, 10);
      throw config::ConfigError("config: notifier.templates: " + why);
    }
  };
  service::ServiceHost host(config_file, {"notifier", wire::Service::NOTIFIER,
                                          notifier::notifier_column_families(), false, check});
  const auto& node = host.node();
  const auto& settings = *read;
  auto& templates = *loaded;
  notifier::LinkTokens tokens(notifier::link_key(host.config().data_dir / "link.key"));
  notifier::NotifierCore core(host.store(), host.log(), &host.publisher(), templates, tokens,
                              settings.options);

  // The node's own events only: the peers' organisations are told by their notifiers.
  for (auto [name, cursors] : {std::pair{"registry", notifier::kRegistryCursorsCf},
                               std::pair{"matching", notifier::kMatchingCursorsCf}}) {
    const auto& service = node.service(name);
    if (service.endpoints.events.empty() || service.endpoints.sync.empty()) {
      throw config::ConfigError(std::string("config: services.") + name +
                                ".events and .sync: the notifier reads them");
    }
    auto options = host.subscriber_options();
    options.origins = {node.country};
    options.ignore_other_origins = true;
    options.cursor_column_family = cursors;
    host.subscribe(name, service.endpoints,
                   service.keys ? service.keys->public_key : node.public_key, core, options);
  }

  const auto& registry_service = node.service("registry");
  EnvelopeLimits limits;
  limits.max_bytes = node.limits.max_message_bytes;
  notifier::ApiRegistryReader registry(
      host.transport(), registry_service.endpoints.api,
      registry_service.keys ? registry_service.keys->public_key : node.public_key, node.country,
      limits);
  // Resolved as soon as the triggers are stored, and polled for those that waited on
  // a registry that did not answer; a burst in slices of a few milliseconds, each
  // after the loop has served its lanes and sockets (Loop::in_slices): resolved in
  // rounds of 256 at once, a burst left the lanes waiting for half of its making
  // (notifier benchmark, session 18). A slice reads 64 triggers, about what 4 ms
  // resolves. Reminders and digests are due at 08:00 local.
  auto resolving = host.loop().in_slices(
      [&] { return core.resolve(registry, 64, std::chrono::milliseconds(4)) > 0; });
  core.set_on_triggers([&] { host.loop().resume(resolving); });
  host.loop().every(std::chrono::milliseconds(50), [&] { host.loop().resume(resolving); });
  host.loop().every(std::chrono::seconds(1), [&] { core.pass_on_unsubscribes(registry); });
  host.loop().every(std::chrono::seconds(5), [&] {
    core.fire_due_reminders(now_us());
    core.send_due_digests(now_us());
  });

  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto links = notifier::start_link_service(node, host.config(), settings, tokens, core);
  const notifier::LinkEndpoint* endpoint = links ? links->endpoint.get() : nullptr;
  notifier::Delivery delivery(core, registry, settings, endpoint);
  delivery.attach(host.loop());

  core.install(host.server(), host.info(), registry);
  host.set_metrics([&]() -> service::ServiceHost::Metrics {
    auto counts = core.recent_counts();
    auto count = [](uint64_t n) { return static_cast<double>(n); };
    return {{"notifier.queue_length", count(counts.pending)},
            {"notifier.oldest_pending_age_seconds", counts.oldest_pending_age_s},
            {"notifier.dead_letters", count(counts.dead)},
            {"notifier.triggers_waiting", count(counts.triggers)},
            {"notifier.sent", count(core.sent()), true},
            {"notifier.dead", count(core.dead_total()), true},
            {"notifier.suppressed", count(core.suppressed()), true},
            {"notifier.sends", count(delivery.sends()), true},
            {"notifier.failed", count(delivery.failures()), true},
            {"notifier.relay_failing", static_cast<double>(delivery.relay_failing())},
            {"notifier.unsubscribed", count(endpoint ? endpoint->unsubscribed() : 0), true},
            {"notifier.renewed", count(endpoint ? endpoint->renewed() : 0), true}};
  });
  // A relay failing again and again is an outage an operator must see in `status`,
  // not only in the figures (outside findings: "healthy" through 11 minutes of it).
  // Three in a row take from a few seconds to a minute with the relay's back-off.
  host.set_health_fill([&](wire::HealthReply::Builder&) {
    return delivery.relay_failing() < kRelayFailingUnhealthy;
  });
  host.run(fmt::format("notifier {} up: api {}, relay {}, links {}", node.country,
                       host.config().endpoints.api, notifier::url_for_log(settings.smtp.url),
                       links ? settings.options.public_url : std::string("off")));
  core.flush_settles();  // what was sent is recorded before the process ends
  core.publish_durable();
  links.reset();
  spdlog::info("notifier {} stopped", node.country);
  return host.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(argc, argv, "gosmart-notifier",
                               "GoSmart notifier: tells the node's SMEs, by e-mail", run);
}
