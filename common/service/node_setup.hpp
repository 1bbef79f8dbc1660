#pragma once
// What every service's main() does first, in the one order that is safe:
// signals blocked before any thread exists, logging up, then the transport (its ZAP
// handler is bound before any server socket).
#include <functional>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/transport/liveness.hpp"
#include "common/transport/transport.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::service {

struct NodeSetup {
  config::NodeConfig node;
  config::ServiceConfig service;
  std::unique_ptr<transport::Transport> transport;
  EnvelopeLimits limits;
};

// Reads a service's own settings from the node's config; throws config::ConfigError.
using ConfigCheck = std::function<void(const config::NodeConfig&)>;

// Throws config::ConfigError or std::runtime_error with a message for the operator.
// `check` (if any) runs once the config is read, before any socket, store or thread
// exists: a wrong setting is told as such, not as a port in use, and nothing has
// to be wound down after it.
NodeSetup set_up_node(const std::string& config_file, const std::string& service_name,
                      const std::string& log_name, const ConfigCheck& check = {});

std::string version();

// A peer's liveness as the health reply carries it.
wire::PeerStatus::State wire_state(transport::PeerState state);

// The whole main() of a service: `--config FILE`, then run(config) with the exit
// codes every service shares: 1 bad usage or config, 2 a runtime error.
int service_main(int argc, char** argv, const std::string& binary, const std::string& description,
                 const std::function<int(const std::string&)>& run);

// The service's Prometheus endpoint when its config section sets metrics_port, wired
// to `server`'s health figures on `loop`; null when it is off.
class ApiServer;
class Loop;
class MetricsEndpoint;
std::unique_ptr<MetricsEndpoint> start_metrics(const NodeSetup& setup, ApiServer& server,
                                               Loop& loop);

}  // namespace gosmart::service
