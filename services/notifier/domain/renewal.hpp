#pragma once
// What a click on a one-click renewal link may do. The link names the profile and
// the last day the reminder was about; it renews only a profile that still ends on
// that day, and never to an earlier day than it has: a second click, or a click
// after a broker extended or changed the profile, changes nothing.
#include <string>
#include <string_view>

namespace gosmart::notifier {

struct RenewalLink {
  std::string profile_id;
  std::string expires_on;  // YYYY-MM-DD; empty in links made before it was named
};

// The signed subject of a renewal link: "ID@YYYY-MM-DD".
std::string renewal_subject(const std::string& profile_id, const std::string& expires_on);
RenewalLink parse_renewal_subject(std::string_view subject);

struct RenewalDecision {
  enum class Kind {
    renew,    // set the last day to `until`
    already,  // shown until `until` already, at least as long as a renewal would give
    changed,  // the profile's date changed since the message: a broker's matter now
  } kind = Kind::renew;
  std::string until;
};

// `current` is the profile's last day now, `proposed` today + the renewal period
// (all YYYY-MM-DD, which compare as text).
RenewalDecision decide_renewal(const RenewalLink& link, const std::string& current,
                               const std::string& proposed);

}  // namespace gosmart::notifier
