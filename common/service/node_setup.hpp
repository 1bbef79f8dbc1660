#pragma once
// What every service's main() does first, in the one order that is safe:
// signals blocked before any thread exists, logging up, then the transport (its ZAP
// handler is bound before any server socket).
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::service {

struct NodeSetup {
  config::NodeConfig node;
  config::ServiceConfig service;
  std::unique_ptr<transport::Transport> transport;
  EnvelopeLimits limits;
};

// Throws config::ConfigError or std::runtime_error with a message for the operator.
NodeSetup set_up_node(const std::string& config_file, const std::string& service_name,
                      const std::string& log_name);

std::string version();

// The service's Prometheus endpoint when its config section sets metrics_port, wired
// to `server`'s health figures on `loop`; null when it is off.
class ApiServer;
class Loop;
class MetricsEndpoint;
std::unique_ptr<MetricsEndpoint> start_metrics(const NodeSetup& setup, ApiServer& server,
                                               Loop& loop);

}  // namespace gosmart::service
