#pragma once
// ICU objects the notifier builds once and uses again. Why: a time zone, a calendar
// or a date format costs ICU tens of microseconds to make (resource lookups, pattern
// parsing) and a message needs several; made per message they were a fifth of the
// notifier's time under a burst. Each thread has its own (ICU formats are not safe
// to share between threads while formatting), kept to a few dozen per thread.
#include <unicode/datefmt.h>
#include <unicode/gregocal.h>
#include <unicode/timezone.h>

#include <memory>
#include <string_view>

namespace gosmart::notifier::icu_cache {

// The zone of an IANA id; UTC for an empty or unknown one.
const icu::TimeZone& zone(std::string_view time_zone);
// Whether ICU knows the id (it answers an unknown one with "Etc/Unknown").
bool known_zone(std::string_view time_zone);
// A fresh Gregorian calendar in that zone (a copy of a kept one: callers change it).
std::unique_ptr<icu::GregorianCalendar> calendar(std::string_view time_zone);
// A date (and time, unless `time_style` is kNone) format for the language, in the
// zone. Shared: format with it, never change it.
icu::DateFormat* date_format(std::string_view language, std::string_view time_zone,
                             icu::DateFormat::EStyle date_style,
                             icu::DateFormat::EStyle time_style);

}  // namespace gosmart::notifier::icu_cache
