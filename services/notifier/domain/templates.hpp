#pragma once
// The notifier's messages as files an operator edits: `<kind>.<language>.txt`, its
// first line the subject, then a blank line, then the body, in Mustache (kainjow's
// library). A language or kind without its file falls back to English, which every
// kind must have. The HTML alternative is the rendered text, escaped, in
// paragraphs, with its links made clickable: one file per message to keep right.
//
// Before rendering, the model gets what differs by language, from ICU: the
// partner's country name (`partner.countryName`), a plural count of days
// (`daysText`: "1 dzień", "5 dni") and dates (`profile.expiresOnText`).
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace gosmart::notifier {

struct Rendered {
  std::string subject, text, html, language;
};

class Templates {
 public:
  // Reads every `*.txt` of `dir`; std::runtime_error naming the file for one that
  // does not parse, and for a kind without English.
  static Templates load(const std::filesystem::path& dir);

  // std::out_of_range for a kind nobody wrote.
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

// What the model gets per language (exposed for tests).
std::string country_name(std::string_view country, std::string_view language);
std::string days_text(int64_t days, std::string_view language);
std::string date_text(std::string_view iso_day, std::string_view language);

}  // namespace gosmart::notifier
