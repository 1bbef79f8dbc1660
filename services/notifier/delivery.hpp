#pragma once
// How what is due reaches people: the outbox sender with one courier per destination
// (the SMTP relay, each webhook host), every message rendered from its stored
// notification only when it is sent, and the send gate asked right before.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/outbox/sender.hpp"
#include "services/notifier/notifier.hpp"
#include "services/notifier/settings.hpp"
#include "services/notifier/smtp_courier.hpp"

namespace gosmart::notifier {

class LinkEndpoint;

// What a courier sends for an outbox entry: a MIME mail (headers from the node's
// options) or a signed webhook POST; nothing when the entry cannot be read or its
// webhook was removed meanwhile (the gate cancels that one first).
std::optional<SmtpMessage> outgoing_message(const outbox::Entry& entry,
                                            const NotifierOptions& options, NotifierCore& core);

// The recipient whose messages keep their order and wait together after its own
// failure: the channel and the address (case-blind) or the webhook's URL.
std::string recipient_group(const outbox::Entry& entry);

class Delivery {
 public:
  // `links` may be null (no link endpoint); an unsubscribe it takes is honoured by
  // the gate at once, whatever the registry said before.
  Delivery(NotifierCore& core, RegistryReader& registry, const NotifierSettings& settings,
           const LinkEndpoint* links);
  void attach(service::Loop& loop);
  uint64_t sends() const { return sender_.sent(); }
  // Failed sends, counted against their message or not (the relay's).
  uint64_t failures() const;
  // The relay's failures in a row, the most of any lane: 0 while it answers.
  int relay_failing() const;

 private:
  SendGate gate(const outbox::Entry& entry, std::chrono::milliseconds& wait);

  NotifierCore& core_;
  RegistryReader& registry_;
  const NotifierSettings& settings_;
  const LinkEndpoint* links_;
  uint64_t unsubscribes_seen_ = 0;
  outbox::Sender sender_;
  std::vector<const SmtpCourier*> couriers_;  // owned by sender_
};

// A link endpoint with its own transport to the registry (its threads must not
// share the loop's sockets); null when `link_port` is 0.
struct LinkService {
  std::unique_ptr<transport::Transport> transport;
  std::unique_ptr<LinkEndpoint> endpoint;
  ~LinkService();
};
std::unique_ptr<LinkService> start_link_service(const config::NodeConfig& node,
                                                const config::ServiceConfig& own,
                                                const NotifierSettings& settings,
                                                const LinkTokens& tokens, NotifierCore& core);

}  // namespace gosmart::notifier
