#include "common/reference/formats.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace gosmart::reference {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

// ASCII only, local part too: an address with UTF-8 in it (RFC 6531) needs a relay
// that speaks SMTPUTF8 at every hop, which a node cannot know; one that could never
// be delivered is refused when it is registered, not dead-lettered later. A domain
// outside ASCII is given in its A-label form (xn--...).
// What a mail relay takes as a plain address (RFC 5321 dot-atom, no quoting): the
// local part of atext characters in dot-separated atoms (no leading, trailing or
// double dot), and a host name of 1-63 character labels of letters, digits and inner
// hyphens. The percent hack (a%b@relay, old source routing) is refused too: the
// notifier mails contacts, never relays through them (outside finding L1, issue 13).
bool is_email(std::string_view text) {
  if (text.size() < 3 || text.size() > 254) return false;
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  auto local = text.substr(0, at);
  auto domain = text.substr(at + 1);
  auto atext = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           std::string_view("!#$&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
  };
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  if (!std::all_of(local.begin(), local.end(), [&](char c) { return c == '.' || atext(c); })) {
    return false;
  }
  if (domain.size() > 253 || domain.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    auto label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-';
        })) {
      return false;
    }
    start = end + 1;
  }
  return true;
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
         std::none_of(text.begin(), text.end(), [](char c) {
           // Printable ASCII only: an international name is written in punycode, and
           // nothing shown can hide a direction override (outside finding M6).
           return static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f;
         });
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

}  // namespace gosmart::reference
