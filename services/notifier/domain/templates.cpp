#include "services/notifier/domain/templates.hpp"

#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/plurrule.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <fstream>
#include <kainjow/mustache.hpp>
#include <memory>
#include <regex>
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

std::string render_text(const std::string& source, const nlohmann::json& model, bool escape) {
  mustache::mustache tmpl{source};
  if (!escape) tmpl.set_custom_escape([](const std::string& s) { return s; });
  auto out = tmpl.render(to_data(model));
  if (!tmpl.is_valid()) throw std::runtime_error(tmpl.error_message());
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

// The text as HTML: escaped, blank-line paragraphs, links clickable.
std::string to_html(const std::string& text, const std::string& language,
                    const std::string& subject) {
  std::string escaped = html_escape(text);
  static const std::regex link(R"((https?://[^\s<>"]+))");
  escaped = std::regex_replace(escaped, link, "<a href=\"$1\">$1</a>");
  std::string body;
  std::size_t start = 0;
  while (start <= escaped.size()) {
    auto end = escaped.find("\n\n", start);
    std::string paragraph =
        escaped.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!paragraph.empty()) {
      body += "<p>" + std::regex_replace(paragraph, std::regex("\n"), "<br>\n") + "</p>\n";
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

std::string days_text(int64_t days, std::string_view language) {
  // The forms per ICU plural keyword (CLDR plural rules) of each language.
  static const std::map<std::string, std::map<std::string, std::string>> forms = {
      {"en", {{"one", "day"}, {"other", "days"}}},
      {"pl", {{"one", "dzień"}, {"few", "dni"}, {"many", "dni"}, {"other", "dnia"}}},
      {"fi", {{"one", "päivä"}, {"other", "päivää"}}},
      {"da", {{"one", "dag"}, {"other", "dage"}}},
      {"de", {{"one", "Tag"}, {"other", "Tage"}}},
      {"lv", {{"zero", "dienu"}, {"one", "diena"}, {"other", "dienas"}}},
      {"et", {{"one", "päev"}, {"other", "päeva"}}},
      {"lt", {{"one", "diena"}, {"few", "dienos"}, {"many", "dienos"}, {"other", "dienų"}}}};
  std::string lang(language);
  auto table = forms.find(lang);
  if (table == forms.end()) {
    lang = "en";
    table = forms.find(lang);
  }
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::PluralRules> rules(
      icu::PluralRules::forLocale(icu::Locale(lang.c_str()), status));
  std::string keyword = "other";
  if (U_SUCCESS(status) && rules) keyword = utf8(rules->select(static_cast<int32_t>(days)));
  auto form = table->second.find(keyword);
  if (form == table->second.end()) form = table->second.find("other");
  return std::to_string(days) + " " + form->second;
}

std::string date_text(std::string_view iso_day, std::string_view language) {
  static const std::regex day(R"((\d{4})-(\d{2})-(\d{2}))");
  std::string text(iso_day);
  std::smatch m;
  if (!std::regex_match(text, m, day)) return text;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::TimeZone> utc(icu::TimeZone::createTimeZone("UTC"));
  std::unique_ptr<icu::Calendar> calendar(icu::Calendar::createInstance(*utc, status));
  if (U_FAILURE(status)) return text;
  calendar->clear();
  calendar->set(std::stoi(m[1].str()), std::stoi(m[2].str()) - 1, std::stoi(m[3].str()), 12, 0);
  UDate when = calendar->getTime(status);
  std::unique_ptr<icu::DateFormat> format(icu::DateFormat::createDateInstance(
      icu::DateFormat::kLong, icu::Locale(std::string(language).c_str())));
  if (U_FAILURE(status) || !format) return text;
  format->setTimeZone(*utc);
  icu::UnicodeString out;
  format->format(when, out);
  return utf8(out);
}

Templates Templates::load(const std::filesystem::path& dir) {
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
    std::ifstream in(entry.path());
    std::string subject, line, body;
    std::getline(in, subject);
    std::getline(in, line);
    if (subject.empty() || !line.empty()) {
      throw std::runtime_error("notifier: " + entry.path().string() +
                               ": the first line is the subject, then a blank line");
    }
    while (std::getline(in, line)) body += line + "\n";
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
  for (const auto& kind : kinds) {
    if (!templates.files_.count(kind + ".en")) {
      throw std::runtime_error("notifier: " + (dir / (kind + ".en.txt")).string() +
                               " is missing: English is every kind's fallback");
    }
  }
  if (kinds.empty()) throw std::runtime_error("notifier: no templates in " + dir.string());
  return templates;
}

bool Templates::has(std::string_view kind) const {
  return files_.count(std::string(kind) + ".en") > 0;
}

Rendered Templates::render(std::string_view kind, std::string_view language,
                           const nlohmann::json& model, std::string_view /*time_zone*/) const {
  std::string lang(language);
  auto it = files_.find(std::string(kind) + "." + lang);
  if (it == files_.end()) {
    lang = "en";
    it = files_.find(std::string(kind) + ".en");
  }
  if (it == files_.end()) throw std::out_of_range("no template for " + std::string(kind));
  nlohmann::json local = model;
  if (local.contains("partner") && local["partner"].contains("country")) {
    local["partner"]["countryName"] =
        country_name(local["partner"]["country"].get<std::string>(), lang);
  }
  if (local.contains("days") && local["days"].is_number_integer()) {
    local["daysText"] = days_text(local["days"].get<int64_t>(), lang);
  }
  if (local.contains("profile") && local["profile"].contains("expiresOn")) {
    local["profile"]["expiresOnText"] =
        date_text(local["profile"]["expiresOn"].get<std::string>(), lang);
  }
  Rendered out;
  out.language = lang;
  out.subject = render_text(it->second.subject, local, false);
  out.text = render_text(it->second.body, local, false);
  out.html = to_html(out.text, lang, out.subject);
  return out;
}

}  // namespace gosmart::notifier
