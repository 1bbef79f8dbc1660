#pragma once
// A contact's choices about alerts, and the consent rule. Consent and preferences
// live with the contact in the registry (the source of truth); these are the rules
// the notifier applies to what the registry says.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gosmart::notifier {

enum class Rhythm { immediate, daily, weekly };
enum class Channel { email, none };

std::optional<Rhythm> parse_rhythm(std::string_view text);    // "immediate", "daily", "weekly"
std::optional<Channel> parse_channel(std::string_view text);  // "email", "none"
const char* rhythm_name(Rhythm rhythm);
const char* channel_name(Channel channel);

struct ConsentRecord {
  std::string purpose, channel;
  int64_t granted_us = 0, withdrawn_us = 0;
};

// Alerts need a consent to "notifications" on that channel (or naming none), granted and not
// withdrawn (GDPR Art. 7: consent proven by the record, withdrawable at any time).
bool alerts_allowed(const std::vector<ConsentRecord>& consents, Channel channel);

// Transactional messages are about the organisation's own actions and records (its
// expressions of interest, its profiles' publication or return for revision): they
// are sent without a consent to alerts. Everything else is an alert: a new or
// retracted match, an expiry reminder, an expired profile.
bool is_transactional(std::string_view kind);
// Alerts that cannot wait for a digest: an expiry reminder held for a weekly digest
// could arrive after the profile has expired (outside findings). Sent at once
// whatever the contact's rhythm; consent still applies.
bool skips_digest(std::string_view kind);

// Whether ICU knows `time_zone` as an IANA zone ("Europe/Helsinki"): for settings to
// refuse a mistyped zone at start. The functions below treat an unknown zone as UTC.
bool known_time_zone(std::string_view time_zone);

// When a contact's waiting alerts are next sent, in UTC microseconds:
//   immediate  now_us
//   daily      the next `local_hour`:00 in `time_zone` strictly after now_us
//   weekly     the next Monday `local_hour`:00 there, strictly after now_us
// Computed with ICU's calendar in that zone, so the hour stays 08:00 local across
// a daylight-saving change (the UTC gap between two digests is then 23 or 25 hours,
// not 24). "Strictly after": a digest sent at its due time asks for the next one.
int64_t next_digest_due_us(Rhythm rhythm, int64_t now_us, std::string_view time_zone,
                           int local_hour = 8);

// `local_hour`:00 in `time_zone` on the day `days` after the date `ymd` (YYYY-MM-DD;
// `days` may be negative), in UTC microseconds: when an expiry reminder is due
// (ymd = the last day shown, days = -30) or when that last day ends (days = 1,
// hour 0). std::invalid_argument for a date that is not YYYY-MM-DD.
int64_t local_day_us(std::string_view ymd, int days, int local_hour, std::string_view time_zone);

}  // namespace gosmart::notifier
