#include "services/notifier/domain/renewal.hpp"

namespace gosmart::notifier {

std::string renewal_subject(const std::string& profile_id, const std::string& expires_on) {
  return expires_on.empty() ? profile_id : profile_id + "@" + expires_on;
}

RenewalLink parse_renewal_subject(std::string_view subject) {
  auto at = subject.find('@');
  if (at == std::string_view::npos) return {std::string(subject), ""};
  return {std::string(subject.substr(0, at)), std::string(subject.substr(at + 1))};
}

RenewalDecision decide_renewal(const RenewalLink& link, const std::string& current,
                               const std::string& proposed) {
  if (!current.empty() && current >= proposed) {
    return {RenewalDecision::Kind::already, current};
  }
  if (!link.expires_on.empty() && current != link.expires_on) {
    return {RenewalDecision::Kind::changed, current};
  }
  return {RenewalDecision::Kind::renew, proposed};
}

}  // namespace gosmart::notifier
