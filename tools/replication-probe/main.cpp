// Wires the replication primitive to sockets and storage as a writer or a reader
// process (see README.md). Exit codes: 0 clean stop, 1 bad usage/config, 2 runtime error.
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/core/break_point.hpp"
#include "common/core/crash_point.hpp"
#include "common/core/key_files.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_client.hpp"
#include "common/service/api_server.hpp"
#include "common/service/loop.hpp"
#include "common/service/node_setup.hpp"
#include "common/service/service_host.hpp"
#include "common/transport/handshake_watch.hpp"
#include "schemas/probe.capnp.h"
#include "tools/replication-probe/probe_state.hpp"

using namespace gosmart;

namespace {

struct WriterArgs {
  uint64_t events = 100000;
  std::size_t batch = 256;
  int interval_ms = 1;
  std::size_t body_bytes = 200;
};

void write_summary(const std::string& file, const nlohmann::json& summary) {
  if (file.empty()) return;
  std::ofstream out(file + ".tmp");
  out << summary.dump(2) << "\n";
  out.close();
  std::filesystem::rename(file + ".tmp", file);
}

std::unique_ptr<store::Store> open_store(const service::NodeSetup& setup,
                                         std::vector<std::string> families) {
  families.push_back(probe::kProbeColumnFamily);
  return store::Store::open(setup.service.data_dir, families);
}

void add_metric(capnp::List<wire::Metric>::Builder list, unsigned i, const char* name, double v) {
  list[i].setName(name);
  list[i].setValue(v);
}

int run_writer(const std::string& config_file, const WriterArgs& args,
               const std::string& summary_file) {
  auto setup = service::set_up_node(config_file, "registry", "probe-writer");
  auto store = open_store(setup, replication::event_log_column_families());
  replication::EventLog log(*store, setup.node.country, wire::Service::TOOL);
  probe::ProbeState state(*store);
  const auto& endpoints = setup.service.endpoints;
  auto pub = setup.transport->bind(zmq::socket_type::pub, endpoints.events);
  auto sync = setup.transport->bind(zmq::socket_type::router, endpoints.sync);
  auto api = setup.transport->bind(zmq::socket_type::router, endpoints.api);

  replication::Publisher publisher(pub, log, wire::Service::TOOL, setup.node.limits.heartbeat_ms);
  replication::CatchupServer catchup(sync, log, wire::Service::TOOL, setup.limits,
                                     setup.node.limits.catchup_page_events);
  service::ApiServer server(
      api, {"probe-writer", service::version(), setup.node.country, wire::Service::TOOL},
      setup.limits);
  server.set_health([&](wire::HealthReply::Builder& health) {
    health.setLastSeqWritten(log.head(setup.node.country));
    auto metrics = health.initMetrics(2);
    add_metric(metrics, 0, "probe.published", static_cast<double>(publisher.published()));
    add_metric(metrics, 1, "probe.pages_served", static_cast<double>(catchup.pages_served()));
  });

  service::Loop loop;
  transport::HandshakeWatch handshakes(setup.transport->context());
  for (auto [socket, name] : {std::pair{&api, "api"}, {&pub, "events"}, {&sync, "sync"}}) {
    auto& monitor = handshakes.watch(*socket, name);
    loop.on_readable(monitor, [&handshakes, &monitor] { handshakes.on_readable(monitor); });
  }
  loop.on_readable(sync, [&] { catchup.on_readable(); });
  loop.on_readable(api, [&] { server.on_readable(); });
  loop.every(std::chrono::milliseconds(setup.node.limits.heartbeat_ms),
             [&] { publisher.heartbeat(); });
  // Each run of the writer draws its own bodies: an event is not a function of its
  // number, so a writer that published an event it never committed, and writes
  // another under that number after a restart, leaves a reader with a digest of its
  // own (the writer's chain is of what it committed).
  uint64_t run_salt = (static_cast<uint64_t>(randombytes_random()) << 32) | randombytes_random();
  auto up_since = std::chrono::steady_clock::now();
  loop.every(std::chrono::milliseconds(args.interval_ms), [&] {
    uint64_t head = log.head(setup.node.country);
    if (head >= args.events) return;
    rocksdb::WriteBatch batch;
    std::vector<replication::StagedEvent> staged;
    uint64_t count = std::min<uint64_t>(args.batch, args.events - head);
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t seq = head + 1 + i;
      std::string body = probe::probe_body(seq ^ run_salt, args.body_bytes);
      staged.push_back(
          log.append<wire::ProbeEvent>(batch, wire_type(wire::PROBE_EVENT), [&](auto event) {
            event.setIndex(seq);
            event.setBody(
                capnp::Data::Reader(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
          }));
      state.stage(setup.node.country, seq, body);
    }
    state.write(batch);
    // Test-only (tests/run_breaks.sh): a writer that publishes before it commits.
    bool published_early = GOSMART_BREAK_POINT("probe.publish_before_commit");
    if (published_early) publisher.publish(staged);
    // A crash before the commit (fault test): passed once the writer has been up for
    // two seconds, so that a reader has subscribed again and would hear an early publish.
    constexpr auto kBeforeCommit = "probe.writer.before_commit";
    if (std::chrono::steady_clock::now() - up_since >= std::chrono::seconds(2)) {
      // The broken writer's events leave the PUB socket during the fsync it would do.
      if (published_early && crash_point_armed(kBeforeCommit)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      crash_point(kBeforeCommit);
    }
    auto committed = store->commit(batch);
    if (!committed) {
      spdlog::error("writer: commit failed: {}", describe(committed.error()));
      log.aborted();
      state.aborted();
      return;
    }
    log.committed();
    state.committed();
    if (!published_early) publisher.publish(staged);
  });
  spdlog::info("writer {} up: {} events to write, {} already in the log", setup.node.country,
               args.events, log.head(setup.node.country));
  loop.run();
  write_summary(summary_file, {{"count", state.chain().count},
                               {"digest", state.chain().digest_hex()},
                               {"head", log.head(setup.node.country)},
                               {"published", publisher.published()},
                               {"pages_served", catchup.pages_served()}});
  return 0;
}

int run_reader(const std::string& config_file, const std::string& from,
               const std::string& summary_file) {
  auto setup = service::set_up_node(config_file, "registry", "probe-reader");
  const config::Peer* writer = setup.node.peer(from);
  if (!writer) throw config::ConfigError("config: peers: no peer " + from + " to read from");
  auto store = open_store(setup, {"cursors"});
  probe::ProbeState state(*store);
  probe::ProbeApplier applier(state);

  const config::Endpoints* endpoints = writer->service("registry");
  if (!endpoints) {
    throw config::ConfigError("config: peers: " + from + " lists no [peers.services.registry]");
  }
  auto events =
      setup.transport->connect(zmq::socket_type::sub, endpoints->events, writer->public_key);
  auto sync =
      setup.transport->connect(zmq::socket_type::dealer, endpoints->sync, writer->public_key);
  auto api = setup.transport->bind(zmq::socket_type::router, setup.service.endpoints.api);

  auto options = service::subscriber_options(setup);
  options.origins = {from};
  options.topics = {"probe."};
  replication::Subscriber subscriber(*store, events, sync, applier, options);

  service::ApiServer server(
      api, {"probe-reader", service::version(), setup.node.country, wire::Service::TOOL},
      setup.limits);
  server.set_health([&](wire::HealthReply::Builder& health) {
    auto applied = health.initApplied(1);
    applied[0].setOrigin(from);
    applied[0].setLastSeq(subscriber.cursor(from));
    auto peers = health.initPeers(1);
    peers[0].setName(from);
    peers[0].setState(static_cast<wire::PeerStatus::State>(subscriber.writer_state()));
    auto silent = subscriber.writer_silent_for().count();
    peers[0].setLastSeenMsAgo(silent < 0 ? 0 : static_cast<uint64_t>(silent));
    uint64_t head = subscriber.writer_head(from);
    uint64_t cursor = subscriber.cursor(from);
    peers[0].setLagEvents(head > cursor ? head - cursor : 0);
    const auto& stats = subscriber.stats();
    auto metrics = health.initMetrics(6);
    add_metric(metrics, 0, "probe.count", static_cast<double>(state.chain().count));
    add_metric(metrics, 1, "replication.applied_live", static_cast<double>(stats.applied_live));
    add_metric(metrics, 2, "replication.applied_catchup",
               static_cast<double>(stats.applied_catchup));
    add_metric(metrics, 3, "replication.gaps", static_cast<double>(stats.gaps));
    add_metric(metrics, 4, "replication.duplicates", static_cast<double>(stats.duplicates));
    add_metric(metrics, 5, "replication.pages", static_cast<double>(stats.pages));
  });

  service::Loop loop;
  loop.on_readable(events, [&] { subscriber.on_events_readable(); });
  loop.on_readable(sync, [&] { subscriber.on_sync_readable(); });
  loop.on_readable(api, [&] { server.on_readable(); });
  loop.every(std::chrono::milliseconds(100), [&] { subscriber.tick(); });
  subscriber.start();
  spdlog::info("reader {} up: reading {} from seq {}", setup.node.country, from,
               subscriber.cursor(from));
  loop.run();
  const auto& stats = subscriber.stats();
  write_summary(summary_file, {{"count", state.chain().count},
                               {"digest", state.chain().digest_hex()},
                               {"cursor", subscriber.cursor(from)},
                               {"applied_live", stats.applied_live},
                               {"applied_catchup", stats.applied_catchup},
                               {"gaps", stats.gaps},
                               {"duplicates", stats.duplicates},
                               {"rejected", stats.rejected},
                               {"pages", stats.pages}});
  return 0;
}

// Writes NAME.public and NAME.secret (mode 0600) under `prefix`'s folder.
int write_keys(const std::string& prefix) {
  auto keys = curve::generate_keypair();
  curve::write_key_files(prefix, keys);
  std::cout << keys.public_key << "\n";
  return 0;
}

// One JSON line with the health of the node's probe, asked with an operator's key.
int print_status(const std::string& config_file, const std::string& client_keys) {
  auto node = config::load_config(config_file);
  auto keys = curve::read_key_files(client_keys);
  transport::Transport transport(keys, {});
  service::ApiClient client(transport, node.service("registry").endpoints.api, node.public_key);
  auto answer = client.health(node.country, wire::Service::CTL, std::chrono::milliseconds(1500));
  nlohmann::json out{{"country", node.country}, {"up", false}};
  if (answer.reply) {
    auto health = answer.reply->payload<wire::HealthReply>();
    out["up"] = true;
    out["service"] = std::string(health.getService());
    out["last_seq_written"] = health.getLastSeqWritten();
    for (auto cursor : health.getApplied()) {
      out["applied"][std::string(cursor.getOrigin())] = cursor.getLastSeq();
    }
    for (auto metric : health.getMetrics()) out[std::string(metric.getName())] = metric.getValue();
  }
  std::cout << out.dump() << "\n";
  return out["up"] ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"GoSmart replication probe: a durable writer and an exactly-once reader"};
  app.require_subcommand(1);
  std::string config_file;
  std::string summary_file;
  WriterArgs writer_args;
  std::string from;

  auto* writer = app.add_subcommand("writer", "append probe events and serve them");
  writer->add_option("--config", config_file, "node config (TOML)")->required();
  writer->add_option("--events", writer_args.events, "events to append in all");
  writer->add_option("--batch", writer_args.batch, "events per synced batch")
      ->check(CLI::Range(1, 100000));
  writer->add_option("--interval-ms", writer_args.interval_ms, "pause between batches")
      ->check(CLI::Range(1, 60000));
  writer->add_option("--body-bytes", writer_args.body_bytes, "payload size")
      ->check(CLI::Range(0, 65536));
  writer->add_option("--summary", summary_file, "write a JSON summary here on exit");

  auto* reader = app.add_subcommand("reader", "apply a peer's probe events exactly once");
  reader->add_option("--config", config_file, "node config (TOML)")->required();
  reader->add_option("--from", from, "the peer country to read")->required();
  reader->add_option("--summary", summary_file, "write a JSON summary here on exit");

  std::string key_prefix;
  auto* keys = app.add_subcommand("keys", "generate a CURVE keypair: PREFIX.public, PREFIX.secret");
  keys->add_option("--out", key_prefix, "path prefix of the two files")->required();

  std::string client_keys;
  auto* status = app.add_subcommand("status", "ask a node's probe for its health (JSON line)");
  status->add_option("--config", config_file, "the node's config (TOML)")->required();
  status->add_option("--client-keys", client_keys, "prefix of an allowlisted keypair")->required();

  CLI11_PARSE(app, argc, argv);
  try {
    if (keys->parsed()) return write_keys(key_prefix);
    if (status->parsed()) return print_status(config_file, client_keys);
    if (writer->parsed()) return run_writer(config_file, writer_args, summary_file);
    return run_reader(config_file, from, summary_file);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::cerr << "gosmart-replication-probe: " << e.what() << "\n";
    return 2;
  }
}
