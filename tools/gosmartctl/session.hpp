#pragma once
// What every gosmartctl command stands on: the node's config, the operator's CURVE
// key, and one request/reply exchange with a service's api, with failures turned
// into one clear line and an exit status.
#include <capnp/message.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/service/api_client.hpp"
#include "common/transport/transport.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::ctl {

// Exit statuses: 1 a refusal (role, validation, not found, conflict), 2 a service
// that could not be reached.
class CtlError : public std::runtime_error {
 public:
  CtlError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

struct Options {
  std::string config;
  std::string key;  // prefix of PREFIX.public / PREFIX.secret; empty: look for "operator"
  bool json = false;
  int timeout_ms = 3000;
};

class Session {
 public:
  explicit Session(const Options& options);

  const config::NodeConfig& node() const { return node_; }
  const Options& options() const { return options_; }
  const std::string& public_key() const { return keys_.public_key; }

  // Sends `request` to `service` of this node and returns its reply; an error reply,
  // a refused key or silence become a CtlError.
  DecodedEnvelope call(const std::string& service, const std::string& request);
  template <class Payload, class Fill>
  DecodedEnvelope request(const std::string& service, std::string_view type, Fill&& fill) {
    EnvelopeBuilder builder(node_.country, wire::Service::CTL, type);
    fill(builder.init_payload<Payload>());
    return call(service, builder.encode());
  }

  // The health of any service (a peer's too, for federation status).
  service::HealthAnswer health(const std::string& endpoint, const std::string& server_key);
  std::string endpoint_of(const std::string& service) const;

  transport::Transport& transport() { return *transport_; }

 private:
  Options options_;
  config::NodeConfig node_;
  curve::CurveKeyPair keys_;
  std::unique_ptr<transport::Transport> transport_;
};

}  // namespace gosmart::ctl
