#include "services/notifier/domain/templates.hpp"

#include "services/notifier/domain/icu_cache.hpp"
#include "services/notifier/domain/iso_day.hpp"

#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/plurrule.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

namespace gosmart::notifier {

namespace mustache = kainjow::mustache;

namespace {

std::string utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

mustache::data to_data(const nlohmann::json& value) {
  if (value.is_object()) {
    mustache::data out{mustache::data::type::object};
    for (const auto& [key, item] : value.items()) out.set(key, to_data(item));
    return out;
  }
  if (value.is_array()) {
    mustache::data out{mustache::data::type::list};
    for (const auto& item : value) out.push_back(to_data(item));
    return out;
  }
  if (value.is_string()) return mustache::data{value.get<std::string>()};
  if (value.is_boolean()) return mustache::data{value.get<bool>()};
  if (value.is_null()) return mustache::data{false};
  return mustache::data{value.dump()};
}

// Parsed once per thread and template text: parsing was a tenth of a message's
// rendering. An edited template is another text, parsed anew; the kept ones are
// bounded by the templates folder (cleared past a generous size all the same).
std::string render_text(const std::string& source, const nlohmann::json& model, bool escape) {
  thread_local std::map<std::string, std::unique_ptr<mustache::mustache>> parsed;
  std::string key = (escape ? "e" : "r") + source;
  auto it = parsed.find(key);
  if (it == parsed.end()) {
    if (parsed.size() >= 2048) parsed.clear();
    auto tmpl = std::make_unique<mustache::mustache>(source);
    if (!escape) tmpl->set_custom_escape([](const std::string& s) { return s; });
    it = parsed.emplace(std::move(key), std::move(tmpl)).first;
  }
  auto& tmpl = *it->second;
  auto out = tmpl.is_valid() ? tmpl.render(to_data(model)) : std::string();
  if (!tmpl.is_valid()) {
    std::string error = tmpl.error_message();
    parsed.erase(it);
    throw std::runtime_error(error);
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Every http(s) address in escaped text made a link; an address ends at white space,
// '<', '>' or '"'.
std::string linked(const std::string& escaped) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    auto http = escaped.find("http", at);
    if (http == std::string::npos) break;
    std::size_t scheme = escaped.compare(http, 8, "https://") == 0  ? 8
                         : escaped.compare(http, 7, "http://") == 0 ? 7
                                                                    : 0;
    auto end = http + scheme;
    while (scheme && end < escaped.size() &&
           !std::isspace(static_cast<unsigned char>(escaped[end])) && escaped[end] != '<' &&
           escaped[end] != '>' && escaped[end] != '"') {
      ++end;
    }
    if (!scheme || end == http + scheme) {
      out.append(escaped, at, http + 4 - at);
      at = http + 4;
      continue;
    }
    std::string url = escaped.substr(http, end - http);
    out.append(escaped, at, http - at);
    out += "<a href=\"" + url + "\">" + url + "</a>";
    at = end;
  }
  out.append(escaped, at, std::string::npos);
  return out;
}

// The text as HTML: escaped, blank-line paragraphs, links clickable.
std::string to_html(const std::string& text, const std::string& language,
                    const std::string& subject) {
  std::string escaped = html_escape(text);
  escaped = linked(escaped);
  std::string body;
  std::size_t start = 0;
  while (start <= escaped.size()) {
    auto end = escaped.find("\n\n", start);
    std::string paragraph =
        escaped.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!paragraph.empty()) {
      std::string lines;
      for (char c : paragraph) lines += c == '\n' ? std::string("<br>\n") : std::string(1, c);
      body += "<p>" + lines + "</p>\n";
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return "<!doctype html>\n<html lang=\"" + html_escape(language) +
         "\"><head><meta charset=\"utf-8\"><title>" + html_escape(subject) +
         "</title></head>\n<body>\n" + body + "</body></html>\n";
}

}  // namespace

std::string country_name(std::string_view country, std::string_view language) {
  icu::UnicodeString name;
  icu::Locale("", std::string(country).c_str())
      .getDisplayCountry(icu::Locale(std::string(language).c_str()), name);
  std::string out = utf8(name);
  return out.empty() ? std::string(country) : out;
}

namespace {

using Forms = std::map<std::string, std::string>;  // ICU plural keyword -> word

// `count` and the word in the form `language`'s plural rules (CLDR, through ICU's
// PluralRules) select: Polish 1 dzień, 2 dni, 5 dni, 22 dni; Lithuanian 1 diena,
// 2 dienos, 10 dienų, 21 diena. A language without a table is English.
std::string plural_text(int64_t count, std::string_view language,
                        const std::map<std::string, Forms>& tables) {
  std::string lang(language);
  auto table = tables.find(lang);
  if (table == tables.end()) {
    lang = "en";
    table = tables.find(lang);
  }
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::PluralRules> rules(
      icu::PluralRules::forLocale(icu::Locale(lang.c_str()), status));
  std::string keyword = "other";
  if (U_SUCCESS(status) && rules) keyword = utf8(rules->select(static_cast<double>(count)));
  auto form = table->second.find(keyword);
  if (form == table->second.end()) form = table->second.find("other");
  return std::to_string(count) + " " + form->second;
}

}  // namespace

std::string days_text(int64_t days, std::string_view language) {
  static const std::map<std::string, Forms> forms = {
      {"en", {{"one", "day"}, {"other", "days"}}},
      {"pl", {{"one", "dzień"}, {"few", "dni"}, {"many", "dni"}, {"other", "dnia"}}},
      {"fi", {{"one", "päivä"}, {"other", "päivää"}}},
      {"da", {{"one", "dag"}, {"other", "dage"}}},
      {"de", {{"one", "Tag"}, {"other", "Tage"}}},
      {"lv", {{"zero", "dienu"}, {"one", "diena"}, {"other", "dienas"}}},
      {"et", {{"one", "päev"}, {"other", "päeva"}}},
      {"lt", {{"one", "diena"}, {"few", "dienos"}, {"many", "dienos"}, {"other", "dienų"}}}};
  return plural_text(days, language, forms);
}

std::string notifications_text(int64_t count, std::string_view language) {
  static const std::map<std::string, Forms> forms = {
      {"en", {{"one", "notification"}, {"other", "notifications"}}},
      {"pl",
       {{"one", "powiadomienie"},
        {"few", "powiadomienia"},
        {"many", "powiadomień"},
        {"other", "powiadomienia"}}},
      {"fi", {{"one", "ilmoitus"}, {"other", "ilmoitusta"}}},
      {"da", {{"one", "besked"}, {"other", "beskeder"}}},
      {"de", {{"one", "Benachrichtigung"}, {"other", "Benachrichtigungen"}}},
      {"lv", {{"zero", "paziņojumu"}, {"one", "paziņojums"}, {"other", "paziņojumi"}}},
      {"et", {{"one", "teade"}, {"other", "teadet"}}},
      {"lt",
       {{"one", "pranešimas"},
        {"few", "pranešimai"},
        {"many", "pranešimo"},
        {"other", "pranešimų"}}}};
  return plural_text(count, language, forms);
}

namespace {

std::string format_day(std::string_view iso_day, std::string_view language);

}  // namespace

// Kept per thread: a burst tells of the same few dates in the same few languages.
std::string date_text(std::string_view iso_day, std::string_view language) {
  thread_local std::map<std::string, std::string, std::less<>> kept;
  std::string key = std::string(language) + '|' + std::string(iso_day);
  if (auto it = kept.find(key); it != kept.end()) return it->second;
  if (kept.size() >= 4096) kept.clear();
  auto text = format_day(iso_day, language);
  kept.emplace(std::move(key), text);
  return text;
}

namespace {

std::string format_day(std::string_view iso_day, std::string_view language) {
  auto day = parse_iso_day(iso_day);
  if (!day) return std::string(iso_day);
  UErrorCode status = U_ZERO_ERROR;
  auto calendar = icu_cache::calendar("UTC");
  calendar->clear();
  calendar->set(day->year, day->month - 1, day->day, 12, 0);
  UDate when = calendar->getTime(status);
  auto* format =
      icu_cache::date_format(language, "UTC", icu::DateFormat::kLong, icu::DateFormat::kNone);
  if (U_FAILURE(status) || !format) return std::string(iso_day);
  icu::UnicodeString out;
  format->format(when, out);
  return utf8(out);
}

std::string format_at(int64_t at_us, std::string_view language, std::string_view time_zone,
                      icu::DateFormat::EStyle date_style, icu::DateFormat::EStyle time_style) {
  auto* format = icu_cache::date_format(
      language, icu_cache::known_zone(time_zone) ? time_zone : "UTC", date_style, time_style);
  if (!format) return std::to_string(at_us);
  icu::UnicodeString out;
  // UDate is milliseconds; floor so that an instant just before midnight stays there.
  int64_t ms = at_us >= 0 ? at_us / 1000 : -((-at_us + 999) / 1000);
  format->format(static_cast<UDate>(ms), out);
  return utf8(out);
}

}  // namespace

std::string date_text_at(int64_t at_us, std::string_view language, std::string_view time_zone) {
  return format_at(at_us, language, time_zone, icu::DateFormat::kLong, icu::DateFormat::kNone);
}

std::string date_time_text_at(int64_t at_us, std::string_view language,
                              std::string_view time_zone) {
  return format_at(at_us, language, time_zone, icu::DateFormat::kMedium, icu::DateFormat::kShort);
}

const std::vector<std::string>& notification_kinds() {
  static const std::vector<std::string> kinds{"digest",
                                              "eoi_advanced",
                                              "eoi_answered",
                                              "eoi_received",
                                              "eoi_undeliverable",
                                              "match_found",
                                              "match_retracted",
                                              "profile_expired",
                                              "profile_expiring",
                                              "profile_published",
                                              "profile_returned"};
  return kinds;
}

Templates Templates::load(const std::filesystem::path& dir,
                          const std::vector<std::string>& required) {
  Templates templates;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw std::runtime_error("notifier: no templates folder " + dir.string());
  }
  std::set<std::string> kinds;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    std::string name = entry.path().stem().string();  // "<kind>.<language>"
    auto dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) {
      throw std::runtime_error("notifier: " + entry.path().string() +
                               ": name it <kind>.<language>.txt");
    }
    // The network's eight languages only: a file for another, or a misspelt code
    // ("PL", "xx"), would never be used and its readers would get English unawares
    // (outside findings: such files were skipped in silence). Likewise a kind the
    // notifier does not send, when the kinds are known.
    static const std::set<std::string> kLanguages = {"en", "pl", "fi", "da",
                                                     "de", "lv", "et", "lt"};
    std::string language = name.substr(dot + 1);
    if (!kLanguages.count(language)) {
      throw std::runtime_error("notifier: " + entry.path().string() + ": '" + language +
                               "' is not one of the network's languages (en, pl, fi, da, de, "
                               "lv, et, lt, in lower case)");
    }
    if (!required.empty() &&
        std::find(required.begin(), required.end(), name.substr(0, dot)) == required.end()) {
      throw std::runtime_error("notifier: " + entry.path().string() + ": '" + name.substr(0, dot) +
                               "' is not a kind the notifier sends");
    }
    std::ifstream in(entry.path());
    std::string subject, line, body;
    // Lines may end in CRLF, as an editor on another system writes them.
    auto next_line = [&in](std::string& out) {
      bool got = static_cast<bool>(std::getline(in, out));
      if (!out.empty() && out.back() == '\r') out.pop_back();
      return got;
    };
    next_line(subject);
    next_line(line);
    if (subject.find_first_not_of(" \t") == std::string::npos || !line.empty()) {
      throw std::runtime_error("notifier: " + entry.path().string() +
                               ": the first line is the subject, then a blank line");
    }
    while (next_line(line)) body += line + "\n";
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
      // Outside findings: a file with only its subject line was taken, and mailed empty.
      throw std::runtime_error("notifier: " + entry.path().string() +
                               ": has a subject but no body after the blank line");
    }
    for (const auto* part : {&subject, &body}) {
      mustache::mustache check{*part};
      if (!check.is_valid()) {
        throw std::runtime_error("notifier: " + entry.path().string() + ": " +
                                 check.error_message());
      }
    }
    templates.files_[name] = {subject, body};
    kinds.insert(name.substr(0, dot));
  }
  if (kinds.empty()) throw std::runtime_error("notifier: no templates in " + dir.string());
  // Every kind without its English file, named at once: those the notifier sends and
  // those an operator added a language for (outside findings: only the first was
  // named, so a folder was mended one restart at a time).
  std::set<std::string> without_english;
  for (const auto& kind : kinds) {
    if (!templates.files_.count(kind + ".en")) without_english.insert(kind);
  }
  for (const auto& kind : required) {
    if (!templates.files_.count(kind + ".en")) without_english.insert(kind);
  }
  if (!without_english.empty()) {
    std::string missing;
    for (const auto& kind : without_english) missing += (missing.empty() ? "" : ", ") + kind;
    throw std::runtime_error("notifier: " + dir.string() + " has no English template for " +
                             missing + " (<kind>.en.txt; other languages fall back to it)");
  }
  return templates;
}

bool Templates::has(std::string_view kind) const {
  return files_.count(std::string(kind) + ".en") > 0;
}

std::string eoi_status_text(std::string_view status, std::string_view language) {
  // The registry's EoiStatus enumerants (schemas/registry.capnp) as a reader says them.
  using Table = std::map<std::string, std::string, std::less<>>;
  static const std::map<std::string, Table, std::less<>> texts = {
      {"en",
       {{"submitted", "submitted"},
        {"forwarded", "forwarded to the partner"},
        {"accepted", "accepted"},
        {"declined", "declined"},
        {"withdrawn", "withdrawn"},
        {"contactStarted", "first contact made"},
        {"negotiation", "in negotiation"},
        {"agreement", "agreement reached"},
        {"noAgreement", "ended without an agreement"},
        {"undeliverable", "could not be delivered"}}},
      {"pl",
       {{"submitted", "złożone"},
        {"forwarded", "przekazane partnerowi"},
        {"accepted", "przyjęte"},
        {"declined", "odrzucone"},
        {"withdrawn", "wycofane"},
        {"contactStarted", "nawiązano kontakt"},
        {"negotiation", "trwają negocjacje"},
        {"agreement", "zawarto porozumienie"},
        {"noAgreement", "zakończone bez porozumienia"},
        {"undeliverable", "nie udało się doręczyć"}}},
      {"fi",
       {{"submitted", "lähetetty"},
        {"forwarded", "välitetty kumppanille"},
        {"accepted", "hyväksytty"},
        {"declined", "hylätty"},
        {"withdrawn", "peruttu"},
        {"contactStarted", "yhteys otettu"},
        {"negotiation", "neuvottelut käynnissä"},
        {"agreement", "sopimus syntyi"},
        {"noAgreement", "päättyi ilman sopimusta"},
        {"undeliverable", "ei voitu toimittaa"}}},
      {"da",
       {{"submitted", "indsendt"},
        {"forwarded", "videresendt til partneren"},
        {"accepted", "accepteret"},
        {"declined", "afvist"},
        {"withdrawn", "trukket tilbage"},
        {"contactStarted", "første kontakt er taget"},
        {"negotiation", "forhandlinger i gang"},
        {"agreement", "aftale indgået"},
        {"noAgreement", "afsluttet uden aftale"},
        {"undeliverable", "kunne ikke leveres"}}},
      {"de",
       {{"submitted", "eingereicht"},
        {"forwarded", "an den Partner weitergeleitet"},
        {"accepted", "angenommen"},
        {"declined", "abgelehnt"},
        {"withdrawn", "zurückgezogen"},
        {"contactStarted", "Kontakt aufgenommen"},
        {"negotiation", "in Verhandlung"},
        {"agreement", "Vereinbarung geschlossen"},
        {"noAgreement", "ohne Vereinbarung beendet"},
        {"undeliverable", "nicht zustellbar"}}},
      {"lv",
       {{"submitted", "iesniegts"},
        {"forwarded", "pārsūtīts partnerim"},
        {"accepted", "pieņemts"},
        {"declined", "noraidīts"},
        {"withdrawn", "atsaukts"},
        {"contactStarted", "kontakts nodibināts"},
        {"negotiation", "notiek sarunas"},
        {"agreement", "vienošanās panākta"},
        {"noAgreement", "noslēdzies bez vienošanās"},
        {"undeliverable", "neizdevās piegādāt"}}},
      {"et",
       {{"submitted", "esitatud"},
        {"forwarded", "edastatud partnerile"},
        {"accepted", "vastu võetud"},
        {"declined", "tagasi lükatud"},
        {"withdrawn", "tagasi võetud"},
        {"contactStarted", "kontakt loodud"},
        {"negotiation", "läbirääkimised käivad"},
        {"agreement", "kokkulepe sõlmitud"},
        {"noAgreement", "lõppes kokkuleppeta"},
        {"undeliverable", "ei õnnestunud edastada"}}},
      {"lt",
       {{"submitted", "pateiktas"},
        {"forwarded", "perduotas partneriui"},
        {"accepted", "priimtas"},
        {"declined", "atmestas"},
        {"withdrawn", "atšauktas"},
        {"contactStarted", "užmegztas ryšys"},
        {"negotiation", "vyksta derybos"},
        {"agreement", "pasiektas susitarimas"},
        {"noAgreement", "baigėsi be susitarimo"},
        {"undeliverable", "nepavyko pristatyti"}}}};
  auto table = texts.find(language);
  if (table == texts.end()) table = texts.find("en");
  auto text = table->second.find(status);
  return text == table->second.end() ? std::string(status) : text->second;
}

void localize(nlohmann::json& model, std::string_view language, std::string_view time_zone) {
  if (!model.is_object()) return;
  auto integer = [](const nlohmann::json& object, const char* key) -> std::optional<int64_t> {
    if (!object.is_object()) return std::nullopt;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  if (auto partner = model.find("partner"); partner != model.end() && partner->is_object()) {
    auto country = partner->find("country");
    if (country != partner->end() && country->is_string() && !partner->contains("countryName")) {
      (*partner)["countryName"] = country_name(country->get<std::string>(), language);
    }
  }
  if (auto eoi = model.find("eoi"); eoi != model.end() && eoi->is_object()) {
    auto status = eoi->find("status");
    if (status != eoi->end() && status->is_string()) {
      (*eoi)["statusText"] = eoi_status_text(status->get<std::string>(), language);
    }
  }
  if (auto days = integer(model, "days")) model["daysText"] = days_text(*days, language);
  if (auto count = integer(model, "count")) {
    model["countText"] = notifications_text(*count, language);
  }
  // The expiry date: an instant (expiresAtUs, top level or in profile) is told as
  // the day it is in the node's zone; a plain ISO day (profile.expiresOn) as itself.
  auto expires_at = integer(model, "expiresAtUs");
  if (auto profile = model.find("profile"); profile != model.end() && profile->is_object()) {
    if (!expires_at) expires_at = integer(*profile, "expiresAtUs");
    if (expires_at) {
      (*profile)["expiresOnText"] = date_text_at(*expires_at, language, time_zone);
    } else if (auto day = profile->find("expiresOn"); day != profile->end() && day->is_string()) {
      (*profile)["expiresOnText"] = date_text(day->get<std::string>(), language);
    }
  }
  if (expires_at) model["expiresOnText"] = date_text_at(*expires_at, language, time_zone);
  if (auto items = model.find("items"); items != model.end() && items->is_array()) {
    for (auto& item : *items) {
      if (auto at = integer(item, "atUs")) {
        item["atText"] = date_time_text_at(*at, language, time_zone);
      }
    }
  }
}

Rendered Templates::render(std::string_view kind, std::string_view language,
                           const nlohmann::json& model, std::string_view time_zone) const {
  std::string lang(language);
  auto it = files_.find(std::string(kind) + "." + lang);
  if (it == files_.end()) {
    lang = "en";
    it = files_.find(std::string(kind) + ".en");
  }
  if (it == files_.end()) throw std::out_of_range("no template for " + std::string(kind));
  nlohmann::json local = model;
  localize(local, lang, time_zone);
  Rendered out;
  out.language = lang;
  out.subject = render_text(it->second.subject, local, false);
  out.text = render_text(it->second.body, local, false);
  out.html = to_html(out.text, lang, out.subject);
  return out;
}

}  // namespace gosmart::notifier
