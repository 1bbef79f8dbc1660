#include "services/notifier/recipients.hpp"

#include <sodium.h>

#include <algorithm>

#include "common/core/break_point.hpp"
#include "common/envelope/envelope.hpp"
#include "common/reference/text.hpp"
#include "services/notifier/domain/preferences.hpp"

namespace gosmart::notifier {

using reference::text_of;

std::string recipient_tag(const std::string& email) {
  std::string address = email;
  std::transform(address.begin(), address.end(), address.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(address.data()),
                     address.size());
  return to_hex({digest, 8});
}

std::vector<Recipient> recipients_of(wire::Organisation::Reader org, const std::string& kind) {
  std::vector<Recipient> out;
  bool transactional = is_transactional(kind);
  std::string org_language = org.getLanguages().size() ? text_of(org.getLanguages()[0]) : "en";
  for (auto contact : org.getContacts()) {
    std::string email = text_of(contact.getEmail());
    if (email.empty()) continue;
    auto channel =
        parse_channel(contact.getAlertChannel().size() ? text_of(contact.getAlertChannel())
                                                       : std::string("email"));
    if (!channel || *channel == Channel::none) continue;
    if (!transactional && !GOSMART_BREAK_POINT("notifier.ignore_consent")) {
      std::vector<ConsentRecord> consents;
      for (auto consent : contact.getConsents()) {
        consents.push_back({text_of(consent.getPurpose()), text_of(consent.getChannel()),
                            consent.getGrantedAtUs(), consent.getWithdrawnAtUs()});
      }
      if (!alerts_allowed(consents, Channel::email)) continue;
    }
    Recipient recipient;
    recipient.email = email;
    recipient.language = contact.getPreferredLanguage().size()
                             ? text_of(contact.getPreferredLanguage())
                             : org_language;
    recipient.rhythm = contact.getAlertRhythm().size() ? text_of(contact.getAlertRhythm())
                                                       : std::string("immediate");
    recipient.transactional = transactional;
    out.push_back(std::move(recipient));
  }
  return out;
}

}  // namespace gosmart::notifier
