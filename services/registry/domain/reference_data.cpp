#include "services/registry/domain/reference_data.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace gosmart::registry {
namespace {

struct DivisionRange {
  int first;
  int last;
  char section;
};

// NACE Rev.2 sections by their divisions (Regulation (EC) No 1893/2006, Annex I).
constexpr DivisionRange kSections[] = {
    {1, 3, 'A'},   {5, 9, 'B'},   {10, 33, 'C'}, {35, 35, 'D'}, {36, 39, 'E'}, {41, 43, 'F'},
    {45, 47, 'G'}, {49, 53, 'H'}, {55, 56, 'I'}, {58, 63, 'J'}, {64, 66, 'K'}, {68, 68, 'L'},
    {69, 75, 'M'}, {77, 82, 'N'}, {84, 84, 'O'}, {85, 85, 'P'}, {86, 88, 'Q'}, {90, 93, 'R'},
    {94, 96, 'S'}, {97, 98, 'T'}, {99, 99, 'U'},
};

// Division numbers inside those ranges that the classification leaves unused.
constexpr int kUnusedDivisions[] = {4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<char> nace_section(int division) {
  if (std::find(std::begin(kUnusedDivisions), std::end(kUnusedDivisions), division) !=
      std::end(kUnusedDivisions)) {
    return std::nullopt;
  }
  for (const auto& range : kSections) {
    if (division >= range.first && division <= range.last) return range.section;
  }
  return std::nullopt;
}

bool is_nace_code(std::string_view code) {
  if (code.size() != 2 && code.size() != 4 && code.size() != 5) return false;
  if (!is_digit(code[0]) || !is_digit(code[1])) return false;
  if (code.size() > 2 && (code[2] != '.' || !is_digit(code[3]))) return false;
  if (code.size() == 5 && !is_digit(code[4])) return false;
  return nace_section((code[0] - '0') * 10 + (code[1] - '0')).has_value();
}

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

bool is_nuts2_for(std::string_view region, std::string_view country) {
  if (region.size() != 4 || region.substr(0, 2) != country) return false;
  return std::all_of(region.begin() + 2, region.end(),
                     [](char c) { return is_digit(c) || (c >= 'A' && c <= 'Z'); });
}

bool is_email(std::string_view text) {
  if (text.size() < 3 || text.size() > 254) return false;
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  auto local = text.substr(0, at);
  auto domain = text.substr(at + 1);
  auto bad_char = [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '(' || c == ')' || c == ',' ||
           c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' ||
           c == 0x7f;
  };
  if (local.size() > 64 || std::any_of(local.begin(), local.end(), bad_char)) return false;
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.';
  });
}

bool is_web_url(std::string_view text) {
  if (text.size() > 200) return false;
  std::string_view rest;
  if (text.rfind("https://", 0) == 0) {
    rest = text.substr(8);
  } else if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else {
    return false;
  }
  auto host = rest.substr(0, rest.find('/'));
  return !host.empty() && host.find('.') != std::string_view::npos &&
         std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' '; });
}

bool is_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(text[i])) return false;
  }
  int year = std::stoi(std::string(text.substr(0, 4)));
  unsigned month = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  unsigned day = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  return std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month},
                                     std::chrono::day{day}}
      .ok();
}

}  // namespace gosmart::registry
