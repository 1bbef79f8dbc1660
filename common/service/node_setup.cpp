#include "common/service/node_setup.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

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

wire::PeerStatus::State wire_state(transport::PeerState state) {
  switch (state) {
    case transport::PeerState::alive:
      return wire::PeerStatus::State::ALIVE;
    case transport::PeerState::evasive:
      return wire::PeerStatus::State::EVASIVE;
    case transport::PeerState::expired:
      return wire::PeerStatus::State::EXPIRED;
    case transport::PeerState::unknown:
      break;
  }
  return wire::PeerStatus::State::UNKNOWN;
}

int service_main(int argc, char** argv, const std::string& binary, const std::string& description,
                 const std::function<int(const std::string&)>& run) {
  // Everything a service creates — its RocksDB directories and files, a log it
  // opens — holds organisations' data or reveals it: for this user only, as the
  // secret key is (issue 11). Set before any file or thread exists.
  ::umask(077);
  CLI::App app{description};
  std::string config_file;
  app.add_option("--config", config_file, "node config (TOML)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // a bad argument is a bad setting: exit 1
  }
  try {
    return run(config_file);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::cerr << binary << ": " << e.what() << "\n";
    return 2;
  }
}

std::string version() {
  return GOSMART_VERSION;
}

NodeSetup set_up_node(const std::string& config_file, const std::string& service_name,
                      const std::string& log_name, const ConfigCheck& check) {
  block_termination_signals();
  NodeSetup setup;
  setup.node = config::load_config(config_file);
  setup.service = setup.node.service(service_name);
  logging::init(log_name, setup.service.log_level, logging::parse_format(setup.node.log_format));
  if (check) check(setup.node);
  setup.limits.max_bytes = setup.node.limits.max_message_bytes;
  setup.transport = std::make_unique<transport::Transport>(
      setup.service.keys ? *setup.service.keys
                         : curve::CurveKeyPair{setup.node.public_key, setup.node.secret_key},
      transport::Allowlist::from_config(setup.node),
      transport::limits_from_config(setup.node.limits));
  return setup;
}

}  // namespace gosmart::service
