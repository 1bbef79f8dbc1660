#include "common/reference/languages.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace gosmart::reference {

LanguageCodes LanguageCodes::from_iso_codes(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error("cannot read " + file.string() +
                             " (Debian package iso-codes): the ISO 639-1 language list");
  }
  auto json = nlohmann::json::parse(in);
  std::set<std::string> codes;
  for (const auto& entry : json.at("639-2")) {
    if (entry.contains("alpha_2")) codes.insert(entry.at("alpha_2").get<std::string>());
  }
  if (codes.size() < 100) throw std::runtime_error(file.string() + ": too few ISO 639-1 codes");
  return LanguageCodes(std::move(codes));
}

}  // namespace gosmart::reference
