#include "common/service/node_setup.hpp"

#include "common/logging/logging.hpp"
#include "common/service/api_server.hpp"
#include "common/service/loop.hpp"
#include "common/service/metrics_http.hpp"

namespace gosmart::service {

std::unique_ptr<MetricsEndpoint> start_metrics(const NodeSetup& setup, ApiServer& server,
                                               Loop& loop) {
  if (setup.service.metrics_port == 0) return nullptr;
  auto endpoint =
      std::make_unique<MetricsEndpoint>(setup.transport->context(), setup.service.metrics_address,
                                        setup.service.metrics_port, [&server] {
                                          capnp::MallocMessageBuilder message;
                                          auto health = message.initRoot<wire::HealthReply>();
                                          server.fill_health(health);
                                          return prometheus_text(health.asReader());
                                        });
  auto* raw = endpoint.get();
  loop.on_readable(raw->loop_socket(), [raw] { raw->on_readable(); });
  return endpoint;
}

std::string version() {
  return GOSMART_VERSION;
}

NodeSetup set_up_node(const std::string& config_file, const std::string& service_name,
                      const std::string& log_name) {
  block_termination_signals();
  NodeSetup setup;
  setup.node = config::load_config(config_file);
  setup.service = setup.node.service(service_name);
  logging::init(log_name, setup.service.log_level, logging::parse_format(setup.node.log_format));
  setup.limits.max_bytes = setup.node.limits.max_message_bytes;
  setup.transport = std::make_unique<transport::Transport>(
      curve::CurveKeyPair{setup.node.public_key, setup.node.secret_key},
      transport::Allowlist::from_config(setup.node),
      transport::limits_from_config(setup.node.limits));
  return setup;
}

}  // namespace gosmart::service
