#pragma once
// ISO 639-1 language codes, read from Debian's iso-codes package
// (/usr/share/iso-codes/json/iso_639-2.json, the entries with an alpha_2 code).
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

namespace gosmart::reference {

class LanguageCodes {
 public:
  // Throws when the file cannot be read or holds implausibly few codes.
  static LanguageCodes from_iso_codes(
      const std::filesystem::path& file = "/usr/share/iso-codes/json/iso_639-2.json");
  explicit LanguageCodes(std::set<std::string> codes) : codes_(std::move(codes)) {}
  bool contains(std::string_view code) const { return codes_.count(std::string(code)) > 0; }
  std::size_t size() const { return codes_.size(); }

 private:
  std::set<std::string> codes_;
};

}  // namespace gosmart::reference
