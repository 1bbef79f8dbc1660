#pragma once
// The notifier's messages as files an operator edits: `<kind>.<language>.txt`, its
// first line the subject, then a blank line, then the body, in Mustache (kainjow's
// library). A language or kind without its file falls back to English, which every
// kind must have. The HTML alternative is the rendered text, escaped, in
// paragraphs, with its links made clickable: one file per message to keep right.
//
// Templates hold no logic for plurals or dates, which differ by language in ways
// Mustache cannot express: before rendering, `localize` adds them to the model from
// ICU (CLDR data), in the language of the template actually used:
//   partner.countryName   from partner.country, unless the model brings one
//   daysText              from days: "1 dzień", "2 dni", "5 dni" (PluralRules)
//   eoi.statusText        from eoi.status ("agreement": "zawarto porozumienie")
//   countText             from count: "1 powiadomienie", "5 powiadomień"
//   profile.expiresOnText from expiresAtUs (top level or in profile), the day it is
//   expiresOnText           in `time_zone`; else from profile.expiresOn ("2027-03-05")
//   items[].atText        from items[].atUs, date and time in `time_zone` (digests)
// The layout of the folder is in services/notifier/templates/README.md.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gosmart::notifier {

struct Rendered {
  std::string subject, text, html, language;
};

class Templates {
 public:
  // Reads every `*.txt` of `dir`; std::runtime_error naming the file for one that
  // does not parse, for a kind without English, and for each of `required` without
  // an English file (the service requires every kind it sends, so that a folder
  // missing one is refused at start, not message by message).
  static Templates load(const std::filesystem::path& dir,
                        const std::vector<std::string>& required = {});

  // The kind in `language`, else in English (Rendered::language says which). Text
  // parts are rendered without HTML escaping (they are plain text); the HTML part
  // escapes everything the text holds. `time_zone` is an IANA zone for dates; an
  // unknown zone is UTC. std::out_of_range for a kind nobody wrote.
  Rendered render(std::string_view kind, std::string_view language, const nlohmann::json& model,
                  std::string_view time_zone) const;
  bool has(std::string_view kind) const;
  std::size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string subject, body;
  };
  std::map<std::string, File> files_;  // "<kind>.<language>"
};

// Every kind of message the notifier sends: one template each, at least in English.
const std::vector<std::string>& notification_kinds();

// What the model gets per language (exposed for tests and for the service).
std::string country_name(std::string_view country, std::string_view language);
std::string days_text(int64_t days, std::string_view language);
std::string notifications_text(int64_t count, std::string_view language);
// An expression of interest's status (an EoiStatus enumerant) in words; an unknown
// one as it is.
std::string eoi_status_text(std::string_view status, std::string_view language);
// A calendar day ("2027-03-05") in the language's long form: "5. März 2027".
std::string date_text(std::string_view iso_day, std::string_view language);
// The day an instant falls on in `time_zone`, long form: 2027-03-04T23:30Z is
// "5 marca 2027" in Europe/Warsaw and "March 4, 2027" in UTC.
std::string date_text_at(int64_t at_us, std::string_view language, std::string_view time_zone);
// Date and time of an instant in `time_zone` (a digest's items).
std::string date_time_text_at(int64_t at_us, std::string_view language, std::string_view time_zone);
// Adds the fields above to `model` in place (what render does first).
void localize(nlohmann::json& model, std::string_view language, std::string_view time_zone);

}  // namespace gosmart::notifier
