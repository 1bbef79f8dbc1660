#pragma once
// Who of an organisation's contacts hears of something, in which language and
// rhythm. Alerts (a match, an expiry) need the contact's recorded consent to
// notifications by e-mail; transactional messages (about the organisation's own
// expressions of interest and profiles) go to its contacts without it. A contact
// whose channel is "none" hears nothing.
#include <string>
#include <vector>

#include "schemas/registry.capnp.h"

namespace gosmart::notifier {

struct Recipient {
  std::string email;
  std::string language;  // the contact's, else the organisation's first, else "en"
  std::string rhythm;    // "immediate", "daily", "weekly"
  bool transactional = false;
};

// A recipient in idempotency keys and link tokens: pseudonymous (16 hex digits of
// SHA-256 of the lower-cased address), so no address outlives an erasure here.
std::string recipient_tag(const std::string& email);

std::vector<Recipient> recipients_of(wire::Organisation::Reader org, const std::string& kind);

}  // namespace gosmart::notifier
