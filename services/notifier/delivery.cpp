#include "services/notifier/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "common/service/loop.hpp"
#include "common/store/capnp_value.hpp"
#include "services/notifier/domain/mime.hpp"
#include "services/notifier/link_endpoint.hpp"
#include "services/notifier/registry_reader.hpp"
#include "services/notifier/webhook_request.hpp"

namespace gosmart::notifier {

std::optional<SmtpMessage> outgoing_message(const outbox::Entry& entry,
                                            const NotifierOptions& options, NotifierCore& core) {
  auto stored = store::StoredValue<wire::Notification>::parse(entry.payload);
  if (!stored) return std::nullopt;
  auto n = stored->get();
  if (std::string(n.getChannel().cStr()) == "webhook") {
    auto secret = core.webhook_secret(n.getOrganisationId().cStr(), n.getWebhookId().cStr());
    if (!secret) return std::nullopt;
    // Signed now, not when queued: the signature's timestamp is the send's.
    return webhook_request(n, *secret, now_us() / 1'000'000);
  }
  MailMessage mail;
  mail.from = options.from;
  mail.reply_to = options.reply_to;
  mail.to = n.getRecipient();
  mail.subject = n.getSubject();
  mail.text = n.getText();
  mail.html = n.getHtml();
  mail.message_id = message_id(n.getKey().cStr(), options.mail_domain);
  mail.list_unsubscribe_url = n.getUnsubscribeUrl();
  mail.language = n.getLanguage();
  mail.kind = n.getKind();
  mail.date_us = n.getCreatedUs();
  SmtpMessage out;
  out.recipient = mail.to;
  out.build = [mail = std::move(mail)] { return build_mime(mail); };
  out.attempts_before = static_cast<int>(n.getAttempts());
  out.first_failed_us = n.getFirstFailedUs();
  return out;
}

std::string recipient_group(const outbox::Entry& entry) {
  auto stored = store::StoredValue<wire::Notification>::parse(entry.payload);
  if (!stored) return std::string();
  auto n = stored->get();
  std::string recipient = n.getRecipient().cStr();
  std::transform(recipient.begin(), recipient.end(), recipient.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::string(n.getChannel().cStr()) + ":" + recipient;
}

namespace {

// Messages a lane takes at once (outbox::Courier::window): its thread goes from one
// to the next while the loop settles, resolves and answers. Enough to ride out the
// loop's longer rounds at a local relay's pace; each is gated again if it waited
// long (SmtpCourier), so a slow relay costs a few re-gatings, not stale consent.
constexpr int kLaneWindow = 64;

}  // namespace

Delivery::Delivery(NotifierCore& core, RegistryReader& registry, const NotifierSettings& settings,
                   const LinkEndpoint* links)
    : core_(core),
      registry_(registry),
      settings_(settings),
      links_(links),
      sender_(core.queue(), core, [&] {
        outbox::Sender::Options o;
        // Longer than a send may take, so that a slow relay is not sent the same twice.
        o.resend_after = std::chrono::seconds(settings.smtp.timeout_s + 15);
        // An idle destination looks for new messages this often: the latency of an
        // immediate message (a seek per destination; nothing when the outbox is empty).
        o.tick_every = std::chrono::milliseconds(20);
        return o;
      }()) {
  for (const auto& destination : core_.destinations()) {
    auto courier = std::make_unique<SmtpCourier>(
        settings_.smtp, settings_.retry,
        [this](const outbox::Entry& e) { return outgoing_message(e, settings_.options, core_); });
    courier->set_after_answers([this] { core_.flush_settles(); });
    courier->set_gate(
        [this](const outbox::Entry& e, std::chrono::milliseconds& wait) { return gate(e, wait); });
    courier->set_grouper(recipient_group);
    courier->set_prepare(
        [this](const std::vector<outbox::Entry>& run) { core_.read_ahead(registry_, run); });
    courier->set_marks(SendMarks{[this](const std::string& key, const std::string& fingerprint) {
                                   return core_.mark_sent(key, fingerprint);
                                 },
                                 [this](const std::string& key) { return core_.sent_mark(key); }},
                       kLaneWindow,
                       [this]() -> uint64_t { return links_ ? links_->unsubscribed() : 0; });
    courier->set_on_retry([this](const SmtpCourier::Failure& failure) {
      core_.record_attempt(failure.key, failure.attempts, failure.first_failed_us, failure.reason);
    });
    couriers_.push_back(courier.get());
    sender_.add(destination, std::move(courier));
  }
}

uint64_t Delivery::failures() const {
  uint64_t total = 0;
  for (const auto* courier : couriers_) total += courier->failures();
  return total;
}

int Delivery::relay_failing() const {
  int most = 0;
  for (const auto* courier : couriers_) most = std::max(most, courier->relay_streak());
  return most;
}

SendGate Delivery::gate(const outbox::Entry& entry, std::chrono::milliseconds& wait) {
  if (links_ && links_->unsubscribed() != unsubscribes_seen_) {
    unsubscribes_seen_ = links_->unsubscribed();
    core_.forget_contacts();
  }
  return core_.may_send(entry, registry_, &wait);
}

void Delivery::attach(service::Loop& loop) {
  sender_.attach(loop);
  // The outbox list asks the sender (in the loop thread, like every request).
  core_.set_next_try([this](const std::string& entry_key) -> int64_t {
    auto at = sender_.next_try(entry_key);
    if (!at) return 0;
    auto from_now =
        std::chrono::duration_cast<std::chrono::microseconds>(*at - outbox::Sender::Clock::now());
    return now_us() + std::max<int64_t>(0, from_now.count());
  });
  // A safety net only: settles are flushed after each round of answers.
  loop.every(std::chrono::milliseconds(200), [this] { core_.flush_settles(); });
  // One fsync for all the settles since the last, then their delivery events go out.
  loop.every(std::chrono::milliseconds(20), [this] { core_.publish_durable(); });
}

LinkService::~LinkService() {
  endpoint.reset();  // its threads use the transport
}

std::unique_ptr<LinkService> start_link_service(const config::NodeConfig& node,
                                                const config::ServiceConfig& own,
                                                const NotifierSettings& settings,
                                                const LinkTokens& tokens, NotifierCore& core) {
  if (settings.link_port == 0) return nullptr;
  const auto& registry = node.service("registry");
  auto links = std::make_unique<LinkService>();
  links->transport = std::make_unique<transport::Transport>(
      own.keys ? *own.keys : curve::CurveKeyPair{node.public_key, node.secret_key},
      transport::Allowlist::from_config(node), transport::limits_from_config(node.limits));
  EnvelopeLimits limits;
  limits.max_bytes = node.limits.max_message_bytes;
  links->endpoint = std::make_unique<LinkEndpoint>(
      settings.link_address, settings.link_port, tokens,
      std::make_unique<ApiRegistryReader>(
          *links->transport, registry.endpoints.api,
          registry.keys ? registry.keys->public_key : node.public_key, node.country, limits),
      LinkEndpoint::Keep{[&core](const std::string& org_id, const std::string& tag) {
                           return core.keep_unsubscribe(org_id, tag);
                         },
                         [&core](const std::string& org_id, const std::string& tag) {
                           return core.unsubscribe_kept(org_id, tag);
                         }},
      settings.options.renew_for_days);
  return links;
}

}  // namespace gosmart::notifier
