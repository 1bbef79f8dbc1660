#include "tools/gosmartctl/session.hpp"

#include <fstream>

#include "common/core/key_files.hpp"
#include "common/service/api_client.hpp"

namespace gosmart::ctl {

namespace {

// The operator key next to the config (a node directory) or one level up (a
// federation directory holding every node).
std::string default_key_prefix(const std::string& config_file) {
  auto dir = std::filesystem::absolute(config_file).parent_path();
  for (const auto& candidate : {dir / "operator", dir.parent_path() / "operator"}) {
    if (std::filesystem::exists(candidate.string() + ".secret")) return candidate.string();
  }
  throw CtlError(1,
                 "no operator key: pass --key PREFIX (PREFIX.public and PREFIX.secret) or "
                 "put operator.public/.secret next to the config");
}

}  // namespace

Session::Session(const Options& options) : options_(options) {
  try {
    node_ = config::load_config(options.config);
  } catch (const config::ConfigError& e) {
    throw CtlError(1, e.what());
  }
  try {
    keys_ = curve::read_key_files(options.key.empty() ? default_key_prefix(options.config)
                                                      : options.key);
  } catch (const std::runtime_error& e) {
    throw CtlError(1, e.what());
  }
  // Replies up to the node's own message limit: the node answers anything larger
  // with too_large (api_server.cpp), so nothing it sends is dropped here unseen.
  transport_ = std::make_unique<transport::Transport>(keys_, transport::Allowlist{},
                                                      transport::limits_from_config(node_.limits));
}

std::string Session::endpoint_of(const std::string& service) const {
  auto it = node_.services.find(service);
  if (it == node_.services.end() || it->second.endpoints.api.empty()) {
    throw CtlError(1, "the config has no services." + service + ".api");
  }
  return it->second.endpoints.api;
}

DecodedEnvelope Session::call(const std::string& service, const std::string& request) {
  std::string endpoint = endpoint_of(service);
  // A service with a key of its own (the notifier) answers under that key.
  const auto& keys = node_.services.at(service).keys;
  service::ApiClient client(*transport_, endpoint, keys ? keys->public_key : node_.public_key);
  auto replies = client.pipeline({request}, 1, std::chrono::milliseconds(options_.timeout_ms));
  if (client.refused()) {
    throw CtlError(1, "not authorised: " + service + " at " + endpoint + " does not accept key " +
                          keys_.public_key + " (not on the node's allowlist)");
  }
  if (replies.empty()) {
    throw CtlError(2, "unreachable: " + service + " at " + endpoint + " did not answer within " +
                          std::to_string(options_.timeout_ms / 1000.0).substr(0, 3) + " s");
  }
  const auto& bytes = replies.front();
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()},
                                 EnvelopeLimits{.max_bytes = node_.limits.max_message_bytes});
  if (!decoded) throw CtlError(1, "unreadable reply from " + service);
  auto envelope = std::move(decoded).value();
  if (envelope.header().type == wire_type(wire::ERROR_REPLY)) {
    auto error = envelope.payload<wire::Error>();
    // "invalid field naceCodes[0]: ..." names what to mend; after any other code the
    // field reads as noise (outside findings: "not found key: no dead letter ...").
    std::string field = error.getCode() == wire::ErrorCode::INVALID_FIELD
                            ? std::string(error.getField().cStr())
                            : std::string();
    throw CtlError(1, error_code_words(error.getCode()) + (field.empty() ? "" : " " + field) +
                          ": " + error.getMessage().cStr());
  }
  return envelope;
}

service::HealthAnswer Session::health(const std::string& endpoint, const std::string& server_key) {
  service::ApiClient client(*transport_, endpoint, server_key);
  return client.health(node_.country, wire::Service::CTL,
                       std::chrono::milliseconds(options_.timeout_ms));
}

}  // namespace gosmart::ctl
