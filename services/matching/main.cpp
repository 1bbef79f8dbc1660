// gosmart-matching: wires the matching core (matching.hpp) to the local registry's
// stream, its own api/events/sync sockets and its RocksDB.
//   gosmart-matching --config node.toml
// Exit codes: 0 clean stop, 1 bad usage or config, 2 runtime error.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_server.hpp"
#include "common/service/loop.hpp"
#include "common/service/metrics_http.hpp"
#include "common/service/node_setup.hpp"
#include "common/transport/handshake_watch.hpp"
#include "services/matching/matching.hpp"
#include "services/matching/settings.hpp"

using namespace gosmart;

namespace {

int run(const std::string& config_file) {
  auto setup = service::set_up_node(config_file, "matching", "matching");
  const auto& node = setup.node;
  const auto& registry = node.service("registry").endpoints;
  if (registry.events.empty() || registry.sync.empty()) {
    throw config::ConfigError("config: services.registry.events and .sync: matching reads them");
  }
  auto store = store::Store::open(setup.service.data_dir, matching::matching_column_families());
  replication::EventLog log(*store, node.country, wire::Service::MATCHING);

  const auto& endpoints = setup.service.endpoints;
  auto api = setup.transport->bind(zmq::socket_type::router, endpoints.api);
  auto pub = setup.transport->bind(zmq::socket_type::pub, endpoints.events);
  std::optional<zmq::socket_t> sync;
  if (!endpoints.sync.empty())
    sync = setup.transport->bind(zmq::socket_type::router, endpoints.sync);
  replication::Publisher publisher(pub, log, wire::Service::MATCHING, node.limits.heartbeat_ms,
                                   std::min<std::size_t>(256 * 1024, setup.limits.max_bytes / 2));
  std::optional<replication::CatchupServer> catchup;
  if (sync) {
    catchup.emplace(*sync, log, wire::Service::MATCHING, setup.limits,
                    static_cast<std::size_t>(node.limits.catchup_page_events));
  }

  service::ServiceInfo info{"matching", service::version(), node.country, wire::Service::MATCHING};
  matching::MatchingCore core(*store, log, info, matching::matching_options(node), &publisher);
  auto started = std::chrono::steady_clock::now();
  std::size_t profiles = core.load();
  double rebuild_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("matching: index rebuilt from the store: {} profiles in {:.2f} s", profiles,
               rebuild_s);

  // The local registry's merged stream: its own country's events and every peer's.
  auto events = setup.transport->connect(zmq::socket_type::sub, registry.events, node.public_key);
  auto registry_sync =
      setup.transport->connect(zmq::socket_type::dealer, registry.sync, node.public_key);
  replication::SubscriberOptions options;
  options.origins = std::set<std::string>(node.members.begin(), node.members.end());
  options.cursor_column_family = matching::kCursorsCf;
  options.page_events = static_cast<std::size_t>(node.limits.catchup_page_events);
  options.evasive_after = std::chrono::milliseconds(node.limits.peer_evasive_ms);
  options.expired_after = std::chrono::milliseconds(node.limits.peer_expired_ms);
  options.limits = setup.limits;
  replication::Subscriber subscriber(*store, events, registry_sync, core, options);

  service::ApiServer server(api, info, setup.limits);
  core.install(server);
  server.set_commit([&] {
    if (!core.api_pending()) return true;
    auto committed = store->commit(core.api_batch());
    if (!committed) {
      spdlog::error("matching: commit failed: {}", describe(committed.error()));
      core.api_aborted();
      return false;
    }
    core.api_committed();
    return true;
  });
  server.set_health([&](wire::HealthReply::Builder& health) {
    health.setLastSeqWritten(log.head(node.country));
    auto cursors = subscriber.cursors();
    auto applied = health.initApplied(static_cast<unsigned>(cursors.size()));
    unsigned i = 0;
    for (const auto& [origin, seq] : cursors) {
      applied[i].setOrigin(origin);
      applied[i++].setLastSeq(seq);
    }
    auto peers = health.initPeers(1);
    auto state = subscriber.writer_state();
    peers[0].setName("registry");
    peers[0].setState(service::wire_state(state));
    auto silent = subscriber.writer_silent_for().count();
    peers[0].setLastSeenMsAgo(silent < 0 ? 0 : static_cast<uint64_t>(silent));
    uint64_t lag = 0;
    for (const auto& [origin, seq] : cursors) {
      auto head = subscriber.writer_head(origin);
      if (head > seq) lag += head - seq;
    }
    peers[0].setLagEvents(lag);
    int64_t lag_ms = 0;
    for (const auto& [origin, seq] : cursors) {
      lag_ms = std::max<int64_t>(lag_ms, subscriber.lag_for(origin).count());
    }
    peers[0].setLagMs(static_cast<uint64_t>(lag_ms));
    health.setHealthy(state == transport::PeerState::alive);
    auto metrics = health.initMetrics(5);
    metrics[0].setName("matching.index_profiles");
    metrics[0].setValue(static_cast<double>(core.index().size()));
    metrics[1].setName("matching.matches_announced");
    metrics[1].setValue(static_cast<double>(core.matches_announced()));
    metrics[2].setName("matching.queue_length");
    metrics[2].setValue(static_cast<double>(core.queue_length()));
    metrics[3].setName("matching.index_rebuild_s");
    metrics[3].setValue(rebuild_s);
    metrics[4].setName("matching.requests");
    metrics[4].setValue(static_cast<double>(server.requests()));
  });

  service::Loop loop;
  transport::HandshakeWatch handshakes(setup.transport->context());
  auto metrics = service::start_metrics(setup, server, loop);
  std::vector<std::pair<zmq::socket_t*, const char*>> watched = {{&api, "api"}, {&pub, "events"}};
  if (sync) watched.emplace_back(&*sync, "sync");
  for (auto [socket, name] : watched) {
    auto& monitor = handshakes.watch(*socket, name);
    loop.on_readable(monitor, [&handshakes, &monitor] { handshakes.on_readable(monitor); });
  }
  loop.on_readable(api, [&] { server.on_readable(); });
  if (sync) loop.on_readable(*sync, [&] { catchup->on_readable(); });
  loop.on_readable(events, [&] { subscriber.on_events_readable(); });
  loop.on_readable(registry_sync, [&] { subscriber.on_sync_readable(); });
  loop.every(std::chrono::milliseconds(node.limits.heartbeat_ms), [&] { publisher.heartbeat(); });
  loop.every(std::chrono::milliseconds(100), [&] { subscriber.tick(); });
  subscriber.start();
  spdlog::info("matching {} up: api {}, reading registry {}, {} profiles indexed", node.country,
               endpoints.api, registry.events, core.index().size());
  loop.run();
  spdlog::info("matching {} stopped", node.country);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return service::service_main(
      argc, argv, "gosmart-matching",
      "GoSmart matching: transnational partner matching with explained scores", run);
}
