#pragma once
// The notifier's reads of its registry over the api socket, with its own key (role
// notifier): an organisation with its contacts, a profile. From the service loop,
// bounded by a short timeout (the registry is local); a batch of reads is sent
// whole before the first answer is awaited.
#include <chrono>
#include <memory>
#include <string>

#include "common/service/api_client.hpp"
#include "services/notifier/notifier.hpp"

namespace gosmart::notifier {

class ApiRegistryReader : public RegistryReader {
 public:
  ApiRegistryReader(transport::Transport& transport, std::string endpoint, std::string server_key,
                    std::string country, EnvelopeLimits limits,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(1500));
  std::optional<DecodedEnvelope> organisation(const std::string& id) override;
  std::optional<DecodedEnvelope> profile(const std::string& id) override;
  std::vector<std::optional<DecodedEnvelope>> organisations(
      const std::vector<std::string>& ids) override;
  std::vector<std::optional<DecodedEnvelope>> profiles(
      const std::vector<std::string>& ids) override;
  std::optional<DecodedEnvelope> withdraw_consent(const std::string& org_id,
                                                  const std::string& email,
                                                  const std::string& purpose) override;
  // registry.profile.transition RENEW to `new_expiry` (YYYY-MM-DD), as a reminder's link:
  // only if the profile still ends on `if_expires_on` (the registry checks it in the
  // same step as the write, so a broker's renewal in between is never shortened).
  std::optional<DecodedEnvelope> renew(const std::string& profile_id, const std::string& new_expiry,
                                       const std::string& if_expires_on);

 private:
  std::optional<DecodedEnvelope> ask(const std::string& request);
  // Every request on the one connection before waiting; an answer each, in order.
  std::vector<std::optional<DecodedEnvelope>> ask_all(const std::vector<std::string>& requests);
  transport::Transport& transport_;
  std::string endpoint_;
  std::string server_key_;
  std::string country_;
  EnvelopeLimits limits_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<service::ApiClient> client_;
};

}  // namespace gosmart::notifier
