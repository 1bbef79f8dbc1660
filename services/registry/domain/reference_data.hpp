#pragma once
// Public code lists the registry validates against.
//  - NACE Rev.2 divisions and their sections: Regulation (EC) No 1893/2006, Annex I.
//  - ISO 639-1 language codes: read from Debian's iso-codes package
//    (/usr/share/iso-codes/json/iso_639-2.json, the entries with an alpha_2 code).
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace gosmart::registry {

// The NACE Rev.2 section letter (A-U) of a two-digit division, or none if the
// division does not exist.
std::optional<char> nace_section(int division);

// "26", "26.1" or "26.11" with a real division; sections alone are not activities.
bool is_nace_code(std::string_view code);

class LanguageCodes {
 public:
  static LanguageCodes from_iso_codes(
      const std::filesystem::path& file = "/usr/share/iso-codes/json/iso_639-2.json");
  explicit LanguageCodes(std::set<std::string> codes) : codes_(std::move(codes)) {}
  bool contains(std::string_view code) const { return codes_.count(std::string(code)) > 0; }
  std::size_t size() const { return codes_.size(); }

 private:
  std::set<std::string> codes_;
};

// NUTS 2: the country's code followed by two characters, e.g. "PL91", "DE30", "FI1B".
bool is_nuts2_for(std::string_view region, std::string_view country);

// A pragmatic address check: one @, a non-empty local part without spaces, a domain
// with a dot and no empty label; at most 254 characters.
bool is_email(std::string_view text);

// http:// or https:// followed by a host; at most 200 characters.
bool is_web_url(std::string_view text);

// A real calendar date written YYYY-MM-DD.
bool is_iso_date(std::string_view text);

}  // namespace gosmart::registry
