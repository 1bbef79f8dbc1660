#pragma once
// Everything a service process is made of that is not the service itself. From the
// node's config and the service's column families it opens the store and its event
// log, binds api/events/sync, builds the publisher, the catch-up server, the api
// server, the handshake watch, the loop and the metrics endpoint; it connects the
// subscriptions a service asks for (options from [limits]) and fills the health
// reply's replication part (applied cursors, peer status, healthy) itself. A
// service's main() builds its own parts on top and calls run().
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_server.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/idempotency.hpp"
#include "common/service/loop.hpp"
#include "common/service/metrics_http.hpp"
#include "common/service/node_setup.hpp"
#include "common/store/store.hpp"
#include "common/transport/handshake_watch.hpp"

namespace gosmart::service {

// The process's exit code when its store failed a write (Store::failed): the
// service stops at once; a supervisor restarts it and the store's WAL replay
// recovers what was acknowledged.
inline constexpr int kExitStorageFailed = 3;

// Store options from the node's [limits] (the free-room guard).
store::StoreOptions store_options(const config::Limits& limits);

// Subscriber options from the node's [limits]: the one place they are derived (the
// host's subscriptions and the replication probe's reader).
replication::SubscriberOptions subscriber_options(const NodeSetup& setup);

struct ServiceSpec {
  std::string name;  // its [services.<name>] table, its log name, its health name
  wire::Service service = wire::Service::UNKNOWN;  // on the wire and in its event log
  std::vector<std::string> column_families;
  bool sync_required = true;  // false: catch-up is served only when sync is configured
  ConfigCheck check_config;   // the service's own settings, read before anything is bound
};

class ServiceHost {
 public:
  // The service's own figures in its health reply, after the host's.
  // A counter only grows while the service runs (Prometheus: `_total`, TYPE counter).
  struct Figure {
    std::string name;
    double value = 0;
    bool counter = false;
  };
  using Metrics = std::vector<Figure>;

  // Throws config::ConfigError or std::runtime_error for the operator.
  ServiceHost(const std::string& config_file, ServiceSpec spec);
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  const config::NodeConfig& node() const { return setup_.node; }
  const config::ServiceConfig& config() const { return setup_.service; }
  const ServiceInfo& info() const { return info_; }
  transport::Transport& transport() { return *setup_.transport; }
  store::Store& store() { return *store_; }
  replication::EventLog& log() { return log_; }
  replication::Publisher& publisher() { return publisher_; }
  ApiServer& server() { return server_; }
  // Replies to writes, kept for retries for limits.idempotency_retention_s; used by
  // the api server once the service commits through a pipeline (use_pipeline).
  IdempotencyStore& idempotency() { return *idempotency_; }
  Loop& loop() { return loop_; }

  // Subscriber options from [limits]; a service adds origins, topics and the like.
  replication::SubscriberOptions subscriber_options() const {
    return service::subscriber_options(setup_);
  }

  // Reads the writer at `writer` (its events and sync endpoints, CURVE key
  // `writer_key`) into `applier`; the subscription's health is reported under `name`
  // (a peer's country, "registry"), with its cursors of `reported_origins` (empty:
  // every origin it has a cursor of). Started by run().
  replication::Subscriber& subscribe(const std::string& name, const config::Endpoints& writer,
                                     const std::string& writer_key, replication::Applier& applier,
                                     replication::SubscriberOptions options,
                                     std::vector<std::string> reported_origins = {});
  std::size_t subscriptions() const { return subscriptions_.size(); }

  // The api's group commit runs through `pipeline`, and lands on the loop.
  void use_pipeline(CommitPipeline& pipeline);
  void set_metrics(std::function<Metrics()> metrics) { metrics_of_service_ = std::move(metrics); }
  // The service's own part of its health reply besides figures (a registry's restore).
  // `healthy` is ANDed into the reply's.
  using HealthFill = std::function<bool(wire::HealthReply::Builder&)>;
  void set_health_fill(HealthFill fill) { health_of_service_ = std::move(fill); }

  // Starts the subscriptions, logs `ready` and runs the loop until a termination
  // signal. What the service must finish after the loop (its commits) it does after.
  // Stops the loop at once if the store fails a write (exit_code() then says so).
  void run(const std::string& ready);
  // What main() returns: 0 after a signal, kExitStorageFailed after a store failure.
  int exit_code() const { return exit_code_; }

 private:
  struct Subscription;
  void fill_health(wire::HealthReply::Builder& health);

  ServiceSpec spec_;
  NodeSetup setup_;
  std::unique_ptr<store::Store> store_;
  replication::EventLog log_;
  zmq::socket_t api_;
  zmq::socket_t events_;
  std::optional<zmq::socket_t> sync_;
  replication::Publisher publisher_;
  std::optional<replication::CatchupServer> catchup_;
  ServiceInfo info_;
  std::unique_ptr<IdempotencyStore> idempotency_;
  ApiServer server_;
  Loop loop_;
  transport::HandshakeWatch handshakes_;
  std::unique_ptr<MetricsEndpoint> metrics_endpoint_;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
  std::function<Metrics()> metrics_of_service_;
  HealthFill health_of_service_;
  int exit_code_ = 0;
};

}  // namespace gosmart::service
