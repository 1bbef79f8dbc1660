#include "common/service/service_host.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace gosmart::service {

struct ServiceHost::Subscription {
  std::string name;
  std::vector<std::string> reported_origins;
  zmq::socket_t events;
  zmq::socket_t sync;
  std::unique_ptr<replication::Subscriber> subscriber;
};

namespace {

std::optional<zmq::socket_t> bind_sync(NodeSetup& setup, const ServiceSpec& spec) {
  const auto& endpoint = setup.service.endpoints.sync;
  if (endpoint.empty() && !spec.sync_required) return std::nullopt;
  return setup.transport->bind(zmq::socket_type::router, endpoint);
}

// Every service's store has the idempotency store's family, whether it names it or not.
std::vector<std::string> with_idempotency(std::vector<std::string> families) {
  if (std::find(families.begin(), families.end(), kIdempotencyFamily) == families.end()) {
    families.push_back(kIdempotencyFamily);
  }
  return families;
}

}  // namespace

store::StoreOptions store_options(const config::Limits& limits) {
  store::StoreOptions options;
  options.min_free_bytes = static_cast<std::uint64_t>(limits.min_free_disk_mb) << 20;
  return options;
}

ServiceHost::ServiceHost(const std::string& config_file, ServiceSpec spec)
    : spec_(std::move(spec)),
      setup_(set_up_node(config_file, spec_.name, spec_.name, spec_.check_config)),
      store_(store::Store::open(setup_.service.data_dir, with_idempotency(spec_.column_families),
                                store_options(setup_.node.limits))),
      log_(*store_, setup_.node.country, spec_.service),
      api_(setup_.transport->bind(zmq::socket_type::router, setup_.service.endpoints.api)),
      events_(setup_.transport->bind(zmq::socket_type::pub, setup_.service.endpoints.events)),
      sync_(bind_sync(setup_, spec_)),
      publisher_(events_, log_, spec_.service, setup_.node.limits.heartbeat_ms,
                 std::min<std::size_t>(256 * 1024, setup_.limits.max_bytes / 2)),
      info_{spec_.name, version(), setup_.node.country, spec_.service},
      idempotency_(std::make_unique<IdempotencyStore>(
          *store_, std::chrono::seconds(setup_.node.limits.idempotency_retention_s))),
      server_(api_, info_, setup_.limits),
      handshakes_(setup_.transport->context()) {
  const auto& limits = setup_.node.limits;
  if (sync_) {
    catchup_.emplace(*sync_, log_, spec_.service, setup_.limits,
                     static_cast<std::size_t>(limits.catchup_page_events));
  }
  server_.set_health([this](wire::HealthReply::Builder& health) { fill_health(health); });

  metrics_endpoint_ = start_metrics(setup_, server_, loop_);
  std::vector<std::pair<zmq::socket_t*, const char*>> watched = {{&api_, "api"},
                                                                 {&events_, "events"}};
  if (sync_) watched.emplace_back(&*sync_, "sync");
  for (auto [socket, name] : watched) {
    auto& monitor = handshakes_.watch(*socket, name);
    loop_.on_readable(monitor, [this, &monitor] { handshakes_.on_readable(monitor); });
  }
  loop_.on_readable(api_, [this] { server_.on_readable(); });
  if (sync_) loop_.on_readable(*sync_, [this] { catchup_->on_readable(); });
  loop_.every(std::chrono::milliseconds(limits.heartbeat_ms), [this] { publisher_.heartbeat(); });
  loop_.every(idempotency_->purge_interval(), [this] {
    auto purged = idempotency_->purge_expired();
    if (!purged) spdlog::error("idempotency: purge failed: {}", describe(purged.error()));
    if (purged && purged.value() > 0)
      spdlog::debug("idempotency: {} replies expired", purged.value());
  });
  loop_.every(std::chrono::milliseconds(100), [this] {
    for (auto& subscription : subscriptions_) subscription->subscriber->tick();
  });
  // A write that failed with an I/O error leaves the store unusable (Store::failed):
  // stop rather than answer every later write with an error, so the supervisor
  // restarts the service on a store reopened from its WAL.
  loop_.every(std::chrono::milliseconds(100), [this] {
    if (!store_->failed() || exit_code_ != 0) return;
    spdlog::critical(
        "{}: the store failed a write (see the error above); stopping so it is "
        "reopened from its write-ahead log",
        spec_.name);
    exit_code_ = kExitStorageFailed;
    loop_.stop();
  });
}

ServiceHost::~ServiceHost() = default;

replication::SubscriberOptions subscriber_options(const NodeSetup& setup) {
  const auto& limits = setup.node.limits;
  replication::SubscriberOptions options;
  options.page_events = static_cast<std::size_t>(limits.catchup_page_events);
  options.evasive_after = std::chrono::milliseconds(limits.peer_evasive_ms);
  options.expired_after = std::chrono::milliseconds(limits.peer_expired_ms);
  options.limits = setup.limits;
  return options;
}

replication::Subscriber& ServiceHost::subscribe(const std::string& name,
                                                const config::Endpoints& writer,
                                                const std::string& writer_key,
                                                replication::Applier& applier,
                                                replication::SubscriberOptions options,
                                                std::vector<std::string> reported_origins) {
  auto subscription = std::make_unique<Subscription>();
  subscription->name = name;
  subscription->reported_origins = std::move(reported_origins);
  subscription->events =
      setup_.transport->connect(zmq::socket_type::sub, writer.events, writer_key);
  subscription->sync = setup_.transport->connect(zmq::socket_type::dealer, writer.sync, writer_key);
  options.events_endpoint = writer.events;
  options.sync_endpoint = writer.sync;
  subscription->subscriber = std::make_unique<replication::Subscriber>(
      *store_, subscription->events, subscription->sync, applier, std::move(options));
  auto* subscriber = subscription->subscriber.get();
  loop_.on_readable(subscription->events, [subscriber] { subscriber->on_events_readable(); });
  loop_.on_readable(subscription->sync, [subscriber] { subscriber->on_sync_readable(); });
  subscriptions_.push_back(std::move(subscription));
  return *subscriber;
}

void ServiceHost::use_pipeline(CommitPipeline& pipeline) {
  server_.set_pipeline(&pipeline);
  server_.set_idempotency(idempotency_.get());
  loop_.on_fd_readable(pipeline.notify_fd(), [&pipeline] { pipeline.on_landed(); });
}

void ServiceHost::fill_health(wire::HealthReply::Builder& health) {
  health.setLastSeqWritten(log_.head(setup_.node.country));
  // Applied cursors of every subscription, then one peer status per subscription:
  // its lag is the sum over its origins in events, the largest in time.
  std::vector<std::pair<std::string, uint64_t>> applied;
  std::vector<std::vector<std::string>> origins(subscriptions_.size());
  for (std::size_t i = 0; i < subscriptions_.size(); ++i) {
    const auto& subscription = *subscriptions_[i];
    origins[i] = subscription.reported_origins;
    if (origins[i].empty()) {
      for (const auto& [origin, seq] : subscription.subscriber->cursors()) {
        (void)seq;
        origins[i].push_back(origin);
      }
    }
    for (const auto& origin : origins[i]) {
      applied.emplace_back(origin, subscription.subscriber->cursor(origin));
    }
  }
  auto applied_list = health.initApplied(static_cast<unsigned>(applied.size()));
  for (unsigned i = 0; i < applied.size(); ++i) {
    applied_list[i].setOrigin(applied[i].first);
    applied_list[i].setLastSeq(applied[i].second);
  }
  auto statuses = health.initPeers(static_cast<unsigned>(subscriptions_.size()));
  bool healthy = true;
  for (unsigned i = 0; i < subscriptions_.size(); ++i) {
    const auto& subscription = *subscriptions_[i];
    const auto& subscriber = *subscription.subscriber;
    auto state = subscriber.writer_state();
    statuses[i].setName(subscription.name);
    statuses[i].setState(wire_state(state));
    auto silent = subscriber.writer_silent_for().count();
    statuses[i].setLastSeenMsAgo(silent < 0 ? 0 : static_cast<uint64_t>(silent));
    uint64_t lag_events = 0;
    int64_t lag_ms = 0;
    bool regressed = false;
    uint64_t conflicts = 0;
    for (const auto& origin : origins[i]) {
      regressed = regressed || subscriber.regressed(origin);
      conflicts += log_.conflicts(origin);
      uint64_t head = subscriber.writer_head(origin);
      uint64_t cursor = subscriber.cursor(origin);
      if (head > cursor) lag_events += head - cursor;
      lag_ms = std::max<int64_t>(lag_ms, subscriber.lag_for(origin).count());
    }
    statuses[i].setLagEvents(lag_events);
    statuses[i].setLagMs(static_cast<uint64_t>(lag_ms));
    statuses[i].setRegressed(regressed);
    statuses[i].setEpochConflicts(conflicts);
    // A peer restored from a backup is unhealthy until it is past what was applied
    // here again. Conflicts stay kept (and shown) for good: they are not a state
    // that passes, so they do not hold the health down.
    if (state != transport::PeerState::alive || regressed) healthy = false;
  }
  if (health_of_service_ && !health_of_service_(health)) healthy = false;
  health.setHealthy(healthy);
  // Refusals that would otherwise be seen only in a rate-limited log line.
  replication::SubscriberStats streams;
  for (const auto& subscription : subscriptions_) {
    const auto& stats = subscription->subscriber->stats();
    streams.foreign_origin += stats.foreign_origin;
    streams.requests += stats.requests;
    streams.rejected += stats.rejected;
    streams.malformed += stats.malformed;
    streams.passed_over += stats.passed_over;
    streams.reconnects += stats.reconnects;
  }
  // Every platform figure is a count since the start.
  Metrics figures = {
      {"platform.requests_too_large",
       static_cast<double>(server_.too_large() + (catchup_ ? catchup_->too_large() : 0)), true},
      {"platform.handshakes_failed", static_cast<double>(handshakes_.failures()), true},
      {"platform.zap_refused", static_cast<double>(setup_.transport->zap().refused()), true},
      {"platform.events_foreign_origin", static_cast<double>(streams.foreign_origin), true},
      // Poison events passed over (refused by this service, or unreadable), frames
      // that could not be read, and markers of events a relay refused or an erasure
      // redacted (docs/platform.md, "Poison events").
      {"platform.events_rejected", static_cast<double>(streams.rejected), true},
      {"platform.events_malformed", static_cast<double>(streams.malformed), true},
      {"platform.events_passed_over", static_cast<double>(streams.passed_over), true},
      {"platform.stream_reconnects", static_cast<double>(streams.reconnects), true},
      {"platform.epoch_conflicts", static_cast<double>(log_.conflicts_total()), true},
      {"platform.catchup_requests", static_cast<double>(streams.requests), true}};
  if (metrics_of_service_) {
    auto more = metrics_of_service_();
    figures.insert(figures.end(), more.begin(), more.end());
  }
  auto metrics = health.initMetrics(static_cast<unsigned>(figures.size()));
  for (unsigned i = 0; i < figures.size(); ++i) {
    metrics[i].setName(figures[i].name);
    metrics[i].setValue(figures[i].value);
    metrics[i].setCounter(figures[i].counter);
  }
}

void ServiceHost::run(const std::string& ready) {
  for (auto& subscription : subscriptions_) subscription->subscriber->start();
  spdlog::info("{}", ready);
  loop_.run();
}

}  // namespace gosmart::service
