// gosmart-notifier: tells the node's own organisations of their matches, expressions
// of interest and profiles (notifier.hpp), by e-mail through the institution's SMTP
// relay, on the service host.
//   gosmart-notifier --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error, 3 the store
// failed a write (service::kExitStorageFailed: restart it; the WAL replays).
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "common/core/key_files.hpp"
#include "common/service/service_host.hpp"
#include "common/store/capnp_value.hpp"
#include "services/notifier/domain/mime.hpp"
#include "services/notifier/link_endpoint.hpp"
#include "services/notifier/link_key.hpp"
#include "services/notifier/notifier.hpp"
#include "services/notifier/registry_reader.hpp"
#include "services/notifier/settings.hpp"
#include "services/notifier/webhook_request.hpp"

using namespace gosmart;

namespace {

int run(const std::string& config_file) {
  service::ServiceHost host(config_file, {"notifier", wire::Service::NOTIFIER,
                                          notifier::notifier_column_families(), false});
  const auto& node = host.node();
  auto settings =
      notifier::notifier_settings(node, std::filesystem::absolute(config_file).parent_path());
  auto templates = notifier::Templates::load(settings.templates);
  notifier::LinkTokens tokens(notifier::link_key(host.config().data_dir / "link.key"));

  const auto& registry_service = node.service("registry");
  const auto& matching_service = node.service("matching");
  auto key_of = [&](const config::ServiceConfig& service) {
    return service.keys ? service.keys->public_key : node.public_key;
  };
  notifier::NotifierCore core(host.store(), host.log(), &host.publisher(), templates, tokens,
                              settings.options);

  // The node's own events only: the peers' organisations are told by their notifiers.
  for (auto [name, service, cursors] :
       {std::tuple{"registry", &registry_service, notifier::kRegistryCursorsCf},
        std::tuple{"matching", &matching_service, notifier::kMatchingCursorsCf}}) {
    if (service->endpoints.events.empty() || service->endpoints.sync.empty()) {
      throw config::ConfigError(std::string("config: services.") + name +
                                ".events and .sync: the notifier reads them");
    }
    auto options = host.subscriber_options();
    options.origins = {node.country};
    options.ignore_other_origins = true;
    options.cursor_column_family = cursors;
    host.subscribe(name, service->endpoints, key_of(*service), core, options);
  }

  EnvelopeLimits limits;
  limits.max_bytes = node.limits.max_message_bytes;
  notifier::ApiRegistryReader registry(host.transport(), registry_service.endpoints.api,
                                       key_of(registry_service), node.country, limits);
  // Resolved as soon as the triggers are stored, and polled for those that waited on
  // a registry that did not answer.
  core.set_on_triggers([&] { core.resolve(registry, 256); });
  host.loop().every(std::chrono::milliseconds(50), [&] { core.resolve(registry, 256); });
  host.loop().every(std::chrono::seconds(1), [&] { core.pass_on_unsubscribes(registry); });
  // Reminders are due at 08:00 local; a seek every few seconds finds the due ones.
  host.loop().every(std::chrono::seconds(5), [&] {
    core.fire_due_reminders(now_us());
    core.send_due_digests(now_us());
  });

  curl_global_init(CURL_GLOBAL_DEFAULT);
  outbox::Sender::Options sender_options;
  // Longer than a send may take, so that a slow relay is not sent the same twice.
  sender_options.resend_after = std::chrono::seconds(settings.smtp.timeout_s + 15);
  // An idle destination looks for new messages this often: the latency of an
  // immediate message (a seek per destination; nothing when the outbox is empty).
  sender_options.tick_every = std::chrono::milliseconds(20);
  outbox::Sender sender(core.queue(), core, sender_options);
  const auto& options = settings.options;
  auto render = [&options,
                 &core](const outbox::Entry& entry) -> std::optional<notifier::SmtpMessage> {
    auto stored = store::StoredValue<wire::Notification>::parse(entry.payload);
    if (!stored) return std::nullopt;
    auto n = stored->get();
    if (std::string(n.getChannel().cStr()) == "webhook") {
      auto secret = core.webhook_secret(n.getOrganisationId().cStr(), n.getWebhookId().cStr());
      if (!secret) return std::nullopt;  // removed meanwhile (the gate cancels it first)
      return notifier::webhook_request(n, *secret, now_us() / 1'000'000);
    }
    notifier::MailMessage mail;
    mail.from = options.from;
    mail.reply_to = options.reply_to;
    mail.to = n.getRecipient();
    mail.subject = n.getSubject();
    mail.text = n.getText();
    mail.html = n.getHtml();
    mail.message_id = notifier::message_id(n.getKey().cStr(), options.mail_domain);
    mail.list_unsubscribe_url = n.getUnsubscribeUrl();
    mail.language = n.getLanguage();
    mail.kind = n.getKind();
    mail.date_us = n.getCreatedUs();
    try {
      notifier::SmtpMessage out;
      out.recipient = mail.to;
      out.mime = notifier::build_mime(mail);
      out.attempts_before = static_cast<int>(n.getAttempts());
      return out;
    } catch (const std::exception& e) {
      spdlog::error("notifier: message {} cannot be built: {}", n.getKey().cStr(), e.what());
      return std::nullopt;
    }
  };
  std::unique_ptr<notifier::LinkEndpoint> links;
  uint64_t unsubscribes_seen = 0;
  auto gate = [&](const outbox::Entry& entry) {
    // An unsubscribe taken here counts at once, whatever the registry said before.
    if (links && links->unsubscribed() != unsubscribes_seen) {
      unsubscribes_seen = links->unsubscribed();
      core.forget_contacts();
    }
    return core.may_send(entry, registry);
  };
  for (const auto& destination : core.destinations()) {
    auto courier = std::make_unique<notifier::SmtpCourier>(settings.smtp, settings.retry, render);
    courier->set_after_answers([&core] { core.flush_settles(); });
    courier->set_gate(gate);
    courier->set_on_retry([&core](const std::string& key, int attempts, const std::string& why) {
      core.record_attempt(key, attempts, why);
    });
    sender.add(destination, std::move(courier));
  }
  sender.attach(host.loop());
  // A safety net only: settles are flushed after each round of answers.
  host.loop().every(std::chrono::milliseconds(200), [&] { core.flush_settles(); });

  std::unique_ptr<transport::Transport> link_transport;
  if (settings.link_port != 0) {
    // The endpoint's threads talk to the registry on a transport of their own.
    link_transport = std::make_unique<transport::Transport>(
        host.config().keys ? *host.config().keys
                           : curve::CurveKeyPair{node.public_key, node.secret_key},
        transport::Allowlist::from_config(node), transport::limits_from_config(node.limits));
    links = std::make_unique<notifier::LinkEndpoint>(
        settings.link_address, settings.link_port, tokens,
        std::make_unique<notifier::ApiRegistryReader>(
            *link_transport, registry_service.endpoints.api, key_of(registry_service), node.country,
            limits),
        [&core](const std::string& org_id, const std::string& tag) {
          return core.keep_unsubscribe(org_id, tag);
        },
        options.renew_for_days);
  }

  core.install(host.server(), host.info(), registry);
  host.set_metrics([&]() -> service::ServiceHost::Metrics {
    auto counts = core.counts();
    return {{"notifier.queue_length", static_cast<double>(counts.pending)},
            {"notifier.oldest_pending_age_seconds", counts.oldest_pending_age_s},
            {"notifier.dead_letters", static_cast<double>(counts.dead)},
            {"notifier.triggers_waiting", static_cast<double>(counts.triggers)},
            {"notifier.sent", static_cast<double>(core.sent()), true},
            {"notifier.dead", static_cast<double>(core.dead_total()), true},
            {"notifier.suppressed", static_cast<double>(core.suppressed()), true},
            {"notifier.sends", static_cast<double>(sender.sent()), true},
            {"notifier.unsubscribed", static_cast<double>(links ? links->unsubscribed() : 0), true},
            {"notifier.renewed", static_cast<double>(links ? links->renewed() : 0), true}};
  });
  host.run(fmt::format("notifier {} up: api {}, relay {}, links {}", node.country,
                       host.config().endpoints.api, settings.smtp.url,
                       links ? options.public_url : std::string("off")));
  core.flush_settles();  // what was sent is recorded before the process ends
  links.reset();
  spdlog::info("notifier {} stopped", node.country);
  return host.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(argc, argv, "gosmart-notifier",
                               "GoSmart notifier: tells the node's SMEs, by e-mail", run);
}
