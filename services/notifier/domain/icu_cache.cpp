#include "services/notifier/domain/icu_cache.hpp"

#include <unicode/locid.h>

#include <map>
#include <stdexcept>
#include <string>

namespace gosmart::notifier::icu_cache {

namespace {

// Languages and zones come from preferences and settings, a handful in practice; a
// map grown past this is cleared rather than kept growing.
constexpr std::size_t kMaxKept = 64;

template <class Map>
void keep_bounded(Map& map) {
  if (map.size() >= kMaxKept) map.clear();
}

std::unique_ptr<icu::TimeZone> make_zone(std::string_view time_zone) {
  std::unique_ptr<icu::TimeZone> made(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
      icu::StringPiece(time_zone.data(), static_cast<int32_t>(time_zone.size())))));
  return made;
}

struct KnownZone {
  bool known = false;
  std::unique_ptr<icu::TimeZone> zone;  // UTC when unknown
};

const KnownZone& lookup(std::string_view time_zone) {
  thread_local std::map<std::string, KnownZone, std::less<>> zones;
  if (auto it = zones.find(time_zone); it != zones.end()) return it->second;
  keep_bounded(zones);
  KnownZone entry;
  auto made = time_zone.empty() ? nullptr : make_zone(time_zone);
  entry.known = made && *made != icu::TimeZone::getUnknown();
  entry.zone = entry.known ? std::move(made)
                           : std::unique_ptr<icu::TimeZone>(icu::TimeZone::createTimeZone("UTC"));
  return zones.emplace(std::string(time_zone), std::move(entry)).first->second;
}

}  // namespace

const icu::TimeZone& zone(std::string_view time_zone) {
  return *lookup(time_zone).zone;
}

bool known_zone(std::string_view time_zone) {
  return lookup(time_zone).known;
}

std::unique_ptr<icu::GregorianCalendar> calendar(std::string_view time_zone) {
  thread_local std::map<std::string, std::unique_ptr<icu::GregorianCalendar>, std::less<>> kept;
  auto it = kept.find(time_zone);
  if (it == kept.end()) {
    keep_bounded(kept);
    UErrorCode status = U_ZERO_ERROR;
    auto made = std::make_unique<icu::GregorianCalendar>(zone(time_zone), status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU cannot make a calendar");
    it = kept.emplace(std::string(time_zone), std::move(made)).first;
  }
  return std::make_unique<icu::GregorianCalendar>(*it->second);
}

icu::DateFormat* date_format(std::string_view language, std::string_view time_zone,
                             icu::DateFormat::EStyle date_style,
                             icu::DateFormat::EStyle time_style) {
  thread_local std::map<std::string, std::unique_ptr<icu::DateFormat>, std::less<>> kept;
  std::string key = std::string(language) + '|' + std::string(time_zone) + '|' +
                    std::to_string(date_style) + '|' + std::to_string(time_style);
  if (auto it = kept.find(key); it != kept.end()) return it->second.get();
  keep_bounded(kept);
  icu::Locale locale(std::string(language).c_str());
  std::unique_ptr<icu::DateFormat> made(
      time_style == icu::DateFormat::kNone
          ? icu::DateFormat::createDateInstance(date_style, locale)
          : icu::DateFormat::createDateTimeInstance(date_style, time_style, locale));
  if (!made) return nullptr;
  made->setTimeZone(zone(time_zone));
  return kept.emplace(std::move(key), std::move(made)).first->second.get();
}

}  // namespace gosmart::notifier::icu_cache
