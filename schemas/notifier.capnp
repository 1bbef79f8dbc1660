# The notifier: its outbox entries, its delivery events and its operator api.
# Evolution rules: schemas/README.md.
@0x858eb590334d1047;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("gosmart::wire");

# ---- storage ----

# Something that happened on the node's own streams that its organisations are told
# of, stored with the subscriber's cursor and resolved into notifications once the
# registry has said who the organisation's contacts are (column family "triggers").
struct NotificationTrigger {
  key @0 :Text;                # what happened, once: "match:M-..:PL-PRF-..", "eoi:..:received"
  kind @1 :Text;               # a template kind (services/notifier/templates/README.md)
  organisationId @2 :Text;     # the node's own organisation told
  model @3 :Text;              # JSON: what the message says (public fields only)
  atUs @4 :Int64;
}

# One message in the outbox (common/outbox), rendered when queued. `key` is the
# idempotency key (trigger, recipient, channel): the Message-ID is made from it, so a
# message sent again after a crash is recognisably the same one.
struct Notification {
  key @0 :Text;
  kind @1 :Text;
  organisationId @2 :Text;
  channel @3 :Text;            # "email"
  recipient @4 :Text;          # personal: never on the stream, never in the log
  language @5 :Text;
  subject @6 :Text;
  text @7 :Text;
  html @8 :Text;
  unsubscribeUrl @9 :Text;
  createdUs @10 :Int64;
  attempts @11 :UInt32;        # sends that failed so far (dead letters keep theirs)
  lastError @12 :Text;
  transactional @13 :Bool;     # about the contact's own action: no unsubscribe gate
  webhookId @14 :Text;         # channel "webhook": the subscription whose secret signs it
  firstFailedUs @15 :Int64;    # when the first counted attempt failed (0: none yet);
                               # a message is given up no sooner than give_up_after_s later
}

# ---- events on the notifier's stream (for audit and status; no addresses) ----

# "notifier.delivery": a notification's outcome.
struct DeliveryEvent {
  key @0 :Text;
  kind @1 :Text;
  organisationId @2 :Text;
  channel @3 :Text;
  outcome @4 :Text;            # "sent", "dead", "retried", "dropped", "suppressed"
  attempts @5 :UInt32;
  atUs @6 :Int64;
}

# ---- api ----

# "notifier.outbox.list" (broker, monitor) -> "notifier.outbox.page"
struct OutboxQuery {
  dead @0 :Bool;               # the dead letters instead of the pending messages
  limit @1 :UInt32;            # 0: 100
  held @2 :Bool;               # the alerts held for daily or weekly digests instead:
                               # channel "digest", nextTryUs the digest's due time
}

struct OutboxItem {
  key @0 :Text;
  kind @1 :Text;
  organisationId @2 :Text;
  channel @3 :Text;
  recipient @4 :Text;          # for brokers only; empty for monitors
  attempts @5 :UInt32;
  lastError @6 :Text;
  createdUs @7 :Int64;
  nextTryUs @8 :Int64;         # when a failed one is tried again (parked after its
                               # recipient's failure, or held with its lane); 0: it
                               # waits only for its turn, or is on its way
}

struct OutboxPage {
  items @0 :List(OutboxItem);
  pending @1 :UInt64;
  dead @2 :UInt64;
  triggers @3 :UInt64;         # waiting for the registry to name their recipients
}

# "notifier.dead.retry" / "notifier.dead.drop" (broker) -> "notifier.outbox.page"
# holding the entry acted on.
struct DeadLetterAction {
  key @0 :Text;
}

# "notifier.webhook.add" (integration: for an organisation it manages; broker): a
# partner portal's system is told of its organisations' notifications by a signed
# JSON POST (Standard Webhooks). The URL must start with a prefix the operator
# allows ([notifier] webhook_url_prefixes). Answered with "notifier.webhook.reply",
# the secret included this once.
struct WebhookAdd {
  organisationId @0 :Text;
  url @1 :Text;
}

# "notifier.webhook.remove" (the integration that added it; broker).
struct WebhookRemove {
  id @0 :Text;
}

# "notifier.webhook.list" (broker: every one, or one organisation's; integration:
# those it added) -> "notifier.webhook.page", oldest first, never a secret.
struct WebhookList {
  organisationId @0 :Text;     # empty: every one the caller may see
}

struct WebhookPage {
  webhooks @0 :List(Webhook);
}

struct Webhook {
  id @0 :Text;                 # "wh_" + 24 hex
  organisationId @1 :Text;
  url @2 :Text;
  secret @3 :Text;             # "whsec_..." in the reply to add only
  addedBy @4 :Text;            # the caller's user id
  createdUs @5 :Int64;
}

# "notifier.deliveries.list" (broker, monitor; an OutboxQuery, its limit only) ->
# "notifier.deliveries.page": the latest delivery events, newest first.
struct DeliveryPage {
  events @0 :List(DeliveryEvent);
}

const notifierDelivery :Text = "notifier.delivery";
const notifierDeliveriesList :Text = "notifier.deliveries.list";
const notifierDeliveriesPage :Text = "notifier.deliveries.page";
const notifierWebhookAdd :Text = "notifier.webhook.add";
const notifierWebhookRemove :Text = "notifier.webhook.remove";
const notifierWebhookReply :Text = "notifier.webhook.reply";
const notifierWebhookList :Text = "notifier.webhook.list";
const notifierWebhookPage :Text = "notifier.webhook.page";
const notifierOutboxList :Text = "notifier.outbox.list";
const notifierOutboxPage :Text = "notifier.outbox.page";
const notifierDeadRetry :Text = "notifier.dead.retry";
const notifierDeadDrop :Text = "notifier.dead.drop";
