// gosmart-registry: wires the registry (registry.hpp) to its sockets and storage.
//   gosmart-registry --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_server.hpp"
#include "common/service/loop.hpp"
#include "common/service/metrics_http.hpp"
#include "common/service/node_setup.hpp"
#include "common/transport/handshake_watch.hpp"
#include "services/registry/outbox_sender.hpp"
#include "services/registry/registry.hpp"
#include "services/registry/replica_applier.hpp"
#include "services/registry/settings.hpp"

using namespace gosmart;

namespace {

// The registry's writes as the commit pipeline sees them: events are published
// only once their batch is durable.
class RegistryWrites : public service::StagedWrites {
 public:
  RegistryWrites(registry::Registry& registry, replication::EventLog& log,
                 replication::Publisher& publisher)
      : registry_(registry), log_(log), publisher_(publisher) {}
  bool has_changes() const override { return registry_.has_changes(); }
  rocksdb::WriteBatch seal() override { return registry_.seal(); }
  void landed() override {
    log_.committed(registry_.in_flight_events());
    publisher_.publish(registry_.in_flight_events());
    registry_.landed();
  }
  void lost() override {
    log_.aborted(log_.origin());
    registry_.lost();
  }

 private:
  registry::Registry& registry_;
  replication::EventLog& log_;
  replication::Publisher& publisher_;
};

struct PeerLink {
  std::string country;
  zmq::socket_t events;
  zmq::socket_t sync;
  std::unique_ptr<replication::Subscriber> subscriber;
};

int run(const std::string& config_file) {
  auto setup = service::set_up_node(config_file, "registry", "registry");
  const auto& node = setup.node;
  auto store = store::Store::open(setup.service.data_dir, registry::registry_column_families());
  replication::EventLog log(*store, node.country, wire::Service::REGISTRY);
  auto languages = registry::LanguageCodes::from_iso_codes();

  const auto& endpoints = setup.service.endpoints;
  auto api = setup.transport->bind(zmq::socket_type::router, endpoints.api);
  auto pub = setup.transport->bind(zmq::socket_type::pub, endpoints.events);
  auto sync = setup.transport->bind(zmq::socket_type::router, endpoints.sync);

  replication::Publisher publisher(pub, log, wire::Service::REGISTRY, node.limits.heartbeat_ms,
                                   std::min<std::size_t>(256 * 1024, setup.limits.max_bytes / 2));
  replication::CatchupServer catchup(sync, log, wire::Service::REGISTRY, setup.limits,
                                     static_cast<std::size_t>(node.limits.catchup_page_events));
  service::ServiceInfo info{"registry", service::version(), node.country, wire::Service::REGISTRY};
  service::ApiServer server(api, info, setup.limits);
  registry::Registry registry(*store, log, info,
                              {node.country, node.members, &languages, nullptr, 500,
                               registry::registry_settings(node).max_open_eois_per_org});
  registry.install(server);
  registry::ReplicaApplier replicas(registry, log, publisher);

  RegistryWrites writes(registry, log, publisher);
  service::CommitPipeline commits(*store, writes);
  server.set_pipeline(&commits);

  std::vector<std::unique_ptr<PeerLink>> peers;
  for (const auto& peer : node.peers) {
    const config::Endpoints* peer_registry = peer.service("registry");
    if (!peer_registry || peer_registry->events.empty() || peer_registry->sync.empty()) continue;
    auto link = std::make_unique<PeerLink>();
    link->country = peer.country;
    link->events =
        setup.transport->connect(zmq::socket_type::sub, peer_registry->events, peer.public_key);
    link->sync =
        setup.transport->connect(zmq::socket_type::dealer, peer_registry->sync, peer.public_key);
    replication::SubscriberOptions options;
    options.origins = {peer.country};
    options.ignore_other_origins = true;
    options.page_events = static_cast<std::size_t>(node.limits.catchup_page_events);
    options.evasive_after = std::chrono::milliseconds(node.limits.peer_evasive_ms);
    options.expired_after = std::chrono::milliseconds(node.limits.peer_expired_ms);
    options.limits = setup.limits;
    link->subscriber = std::make_unique<replication::Subscriber>(*store, link->events, link->sync,
                                                                 replicas, options);
    peers.push_back(std::move(link));
  }

  registry::OutboxSender outbox(
      *store, *setup.transport, node,
      [&](const std::string& type, const DecodedEnvelope& sent, const std::string& refusal) {
        if (type != "registry.eoi.deliver") return;
        std::string id = sent.payload<wire::EoiPeerMessage>().getEoi().getId().cStr();
        if (refusal.empty()) {
          registry.delivered(id);
        } else {
          registry.undeliverable(id, refusal);
        }
        commits.flush();
      });

  server.set_health([&](wire::HealthReply::Builder& health) {
    health.setLastSeqWritten(log.head(node.country));
    auto applied = health.initApplied(static_cast<unsigned>(peers.size()));
    auto statuses = health.initPeers(static_cast<unsigned>(peers.size()));
    bool healthy = true;
    for (unsigned i = 0; i < peers.size(); ++i) {
      const auto& link = *peers[i];
      uint64_t cursor = link.subscriber->cursor(link.country);
      uint64_t head = link.subscriber->writer_head(link.country);
      applied[i].setOrigin(link.country);
      applied[i].setLastSeq(cursor);
      statuses[i].setName(link.country);
      auto state = link.subscriber->writer_state();
      statuses[i].setState(service::wire_state(state));
      auto silent = link.subscriber->writer_silent_for().count();
      statuses[i].setLastSeenMsAgo(silent < 0 ? 0 : static_cast<uint64_t>(silent));
      statuses[i].setLagEvents(head > cursor ? head - cursor : 0);
      statuses[i].setLagMs(static_cast<uint64_t>(link.subscriber->lag_for(link.country).count()));
      if (state != transport::PeerState::alive) healthy = false;
    }
    health.setHealthy(healthy);
    auto metrics = health.initMetrics(5);
    metrics[0].setName("registry.organisations");
    metrics[0].setValue(static_cast<double>(registry.organisations()));
    metrics[1].setName("registry.profiles_published");
    metrics[1].setValue(static_cast<double>(registry.profiles_published()));
    metrics[2].setName("registry.requests");
    metrics[2].setValue(static_cast<double>(server.requests()));
    metrics[3].setName("registry.refused");
    metrics[3].setValue(static_cast<double>(server.refused()));
    metrics[4].setName("registry.replica_profiles_published");
    metrics[4].setValue(static_cast<double>(registry.replica_profiles_published()));
  });

  service::Loop loop;
  transport::HandshakeWatch handshakes(setup.transport->context());
  auto metrics = service::start_metrics(setup, server, loop);
  for (auto [socket, name] : {std::pair{&api, "api"}, {&pub, "events"}, {&sync, "sync"}}) {
    auto& monitor = handshakes.watch(*socket, name);
    loop.on_readable(monitor, [&handshakes, &monitor] { handshakes.on_readable(monitor); });
  }
  loop.on_readable(api, [&] { server.on_readable(); });
  loop.on_fd_readable(commits.notify_fd(), [&] { commits.on_landed(); });
  loop.on_readable(sync, [&] { catchup.on_readable(); });
  for (auto& link : peers) {
    auto* subscriber = link->subscriber.get();
    loop.on_readable(link->events, [subscriber] { subscriber->on_events_readable(); });
    loop.on_readable(link->sync, [subscriber] { subscriber->on_sync_readable(); });
  }
  loop.every(std::chrono::milliseconds(node.limits.heartbeat_ms), [&] { publisher.heartbeat(); });
  for (auto& [country, socket] : outbox.sockets()) {
    loop.on_readable(*socket, [&outbox, c = country] { outbox.on_readable(c); });
  }
  loop.every(std::chrono::milliseconds(100), [&] {
    for (auto& link : peers) link->subscriber->tick();
    outbox.tick();
  });
  // Expiry runs by itself: at start and every minute after.
  auto expire = [&] {
    if (registry.expire_due() > 0) commits.flush();
  };
  loop.every(std::chrono::seconds(60), expire);
  expire();
  for (auto& link : peers) link->subscriber->start();
  spdlog::info("registry {} up: api {}, {} peers, log head {}", node.country, endpoints.api,
               peers.size(), log.head(node.country));
  loop.run();
  commits.finish();  // what was acknowledged is durable; what was staged is stored too
  spdlog::info("registry {} stopped", node.country);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(
      argc, argv, "gosmart-registry",
      "GoSmart registry: a country's organisations and cooperation profiles", run);
}
