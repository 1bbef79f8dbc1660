#include "services/notifier/domain/preferences.hpp"

#include "services/notifier/domain/icu_cache.hpp"
#include "services/notifier/domain/iso_day.hpp"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace gosmart::notifier {

std::optional<Rhythm> parse_rhythm(std::string_view text) {
  if (text == "immediate") return Rhythm::immediate;
  if (text == "daily") return Rhythm::daily;
  if (text == "weekly") return Rhythm::weekly;
  return std::nullopt;
}

std::optional<Channel> parse_channel(std::string_view text) {
  if (text == "email") return Channel::email;
  if (text == "none") return Channel::none;
  return std::nullopt;
}

const char* rhythm_name(Rhythm rhythm) {
  switch (rhythm) {
    case Rhythm::immediate:
      return "immediate";
    case Rhythm::daily:
      return "daily";
    case Rhythm::weekly:
      return "weekly";
  }
  return "immediate";
}

const char* channel_name(Channel channel) {
  return channel == Channel::email ? "email" : "none";
}

bool alerts_allowed(const std::vector<ConsentRecord>& consents, Channel channel) {
  if (channel == Channel::none) return false;
  for (const auto& consent : consents) {
    // A consent that names no channel was given for every channel.
    bool on_channel = consent.channel.empty() || consent.channel == channel_name(channel);
    if (consent.purpose == "notifications" && on_channel && consent.granted_us > 0 &&
        consent.withdrawn_us == 0) {
      return true;
    }
  }
  return false;
}

bool is_transactional(std::string_view kind) {
  return kind.rfind("eoi_", 0) == 0 || kind == "profile_published" || kind == "profile_returned";
}

bool skips_digest(std::string_view kind) {
  return kind == "profile_expiring" || kind == "profile_expired";
}

bool known_time_zone(std::string_view time_zone) {
  return icu_cache::known_zone(time_zone);
}

int64_t next_digest_due_us(Rhythm rhythm, int64_t now_us, std::string_view time_zone,
                           int local_hour) {
  if (rhythm == Rhythm::immediate) return now_us;
  if (local_hour < 0 || local_hour > 23) throw std::invalid_argument("a digest hour is 0-23");
  UErrorCode status = U_ZERO_ERROR;
  auto calendar_kept = icu_cache::calendar(time_zone);
  auto& calendar = *calendar_kept;
  // Milliseconds, floored: microseconds below a millisecond never move a due time.
  int64_t now_ms = now_us >= 0 ? now_us / 1000 : -((-now_us + 999) / 1000);
  calendar.setTime(static_cast<UDate>(now_ms), status);
  // Walk day by day from today's date in the zone: at most 8 steps for weekly.
  for (int day = 0; day < 9; ++day) {
    icu::GregorianCalendar candidate(calendar);
    candidate.add(UCAL_DATE, day, status);
    candidate.set(UCAL_HOUR_OF_DAY, local_hour);
    candidate.set(UCAL_MINUTE, 0);
    candidate.set(UCAL_SECOND, 0);
    candidate.set(UCAL_MILLISECOND, 0);
    auto at_ms = static_cast<int64_t>(candidate.getTime(status));
    if (U_FAILURE(status)) throw std::runtime_error("ICU cannot compute a digest time");
    if (at_ms * 1000 <= now_us) continue;
    if (rhythm == Rhythm::weekly && candidate.get(UCAL_DAY_OF_WEEK, status) != UCAL_MONDAY) {
      continue;
    }
    return at_ms * 1000;
  }
  throw std::logic_error("no digest time within nine days");
}

int64_t local_day_us(std::string_view ymd, int days, int local_hour, std::string_view time_zone) {
  auto day = parse_iso_day(ymd);
  if (!day) throw std::invalid_argument("not a YYYY-MM-DD date");
  if (local_hour < 0 || local_hour > 23) throw std::invalid_argument("an hour is 0-23");
  UErrorCode status = U_ZERO_ERROR;
  auto calendar_kept = icu_cache::calendar(time_zone);
  auto& calendar = *calendar_kept;
  calendar.clear();
  calendar.set(day->year, day->month - 1, day->day, local_hour, 0, 0);
  calendar.add(UCAL_DATE, days, status);
  auto at_ms = static_cast<int64_t>(calendar.getTime(status));
  if (U_FAILURE(status)) throw std::runtime_error("ICU cannot compute a local time");
  return at_ms * 1000;
}

}  // namespace gosmart::notifier
