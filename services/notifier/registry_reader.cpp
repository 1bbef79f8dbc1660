#include "services/notifier/registry_reader.hpp"

#include <spdlog/spdlog.h>

#include "schemas/registry.capnp.h"

namespace gosmart::notifier {

ApiRegistryReader::ApiRegistryReader(transport::Transport& transport, std::string endpoint,
                                     std::string server_key, std::string country,
                                     EnvelopeLimits limits, std::chrono::milliseconds timeout)
    : transport_(transport),
      endpoint_(std::move(endpoint)),
      server_key_(std::move(server_key)),
      country_(std::move(country)),
      limits_(limits),
      timeout_(timeout) {}

std::optional<DecodedEnvelope> ApiRegistryReader::ask(const std::string& request) {
  return std::move(ask_all({request}).front());
}

std::vector<std::optional<DecodedEnvelope>> ApiRegistryReader::ask_all(
    const std::vector<std::string>& requests) {
  std::vector<std::optional<DecodedEnvelope>> answers(requests.size());
  if (requests.empty()) return answers;
  if (!client_) client_ = std::make_unique<service::ApiClient>(transport_, endpoint_, server_key_);
  // The registry answers one connection in order (a ROUTER), so the i-th reply is
  // the i-th request's.
  auto replies = client_->pipeline(requests, requests.size(), timeout_);
  if (replies.size() != requests.size()) {
    // A reply that comes late would answer the next request: start afresh.
    client_.reset();
  }
  for (std::size_t i = 0; i < replies.size() && i < requests.size(); ++i) {
    auto decoded = decode_envelope(
        {reinterpret_cast<const uint8_t*>(replies[i].data()), replies[i].size()}, limits_);
    if (!decoded) {
      spdlog::error("notifier: unreadable reply from the registry: {}", describe(decoded.error()));
      continue;
    }
    answers[i] = std::move(decoded).value();
  }
  return answers;
}

std::vector<std::optional<DecodedEnvelope>> ApiRegistryReader::organisations(
    const std::vector<std::string>& ids) {
  std::vector<std::string> requests;
  for (const auto& id : ids) {
    EnvelopeBuilder request(country_, wire::Service::NOTIFIER, wire_type(wire::REGISTRY_ORG_GET));
    request.init_payload<wire::OrgGet>().setId(id);
    requests.push_back(request.encode());
  }
  return ask_all(requests);
}

std::vector<std::optional<DecodedEnvelope>> ApiRegistryReader::profiles(
    const std::vector<std::string>& ids) {
  std::vector<std::string> requests;
  for (const auto& id : ids) {
    EnvelopeBuilder request(country_, wire::Service::NOTIFIER,
                            wire_type(wire::REGISTRY_PROFILE_GET));
    request.init_payload<wire::ProfileGet>().setId(id);
    requests.push_back(request.encode());
  }
  return ask_all(requests);
}

std::optional<DecodedEnvelope> ApiRegistryReader::organisation(const std::string& id) {
  return std::move(organisations({id}).front());
}

std::optional<DecodedEnvelope> ApiRegistryReader::profile(const std::string& id) {
  return std::move(profiles({id}).front());
}

std::optional<DecodedEnvelope> ApiRegistryReader::withdraw_consent(const std::string& org_id,
                                                                   const std::string& email,
                                                                   const std::string& purpose) {
  EnvelopeBuilder request(country_, wire::Service::NOTIFIER,
                          wire_type(wire::REGISTRY_CONTACT_PREFERENCES));
  auto change = request.init_payload<wire::ContactPreferences>();
  change.setOrganisationId(org_id);
  change.setContactEmail(email);
  change.setWithdrawConsent(purpose);
  return ask(request.encode());
}

std::optional<DecodedEnvelope> ApiRegistryReader::renew(const std::string& profile_id,
                                                        const std::string& new_expiry,
                                                        const std::string& if_expires_on) {
  EnvelopeBuilder request(country_, wire::Service::NOTIFIER,
                          wire_type(wire::REGISTRY_PROFILE_TRANSITION));
  auto change = request.init_payload<wire::ProfileTransition>();
  change.setProfileId(profile_id);
  change.setAction(wire::ProfileTransition::Action::RENEW);
  change.setNewExpiry(new_expiry);
  change.setIfExpiresOn(if_expires_on);
  return ask(request.encode());
}

}  // namespace gosmart::notifier
