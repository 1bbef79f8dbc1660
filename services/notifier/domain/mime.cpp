#include "services/notifier/domain/mime.hpp"

#include <sodium.h>

#include <ctime>
#include <stdexcept>

#include "services/notifier/domain/link_tokens.hpp"

namespace gosmart::notifier {

namespace {

void check_header(std::string_view name, std::string_view value) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    throw std::invalid_argument(std::string(name) + ": a header value may not hold a line break");
  }
}

bool plain_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string rfc5322_date(int64_t at_us) {
  std::time_t seconds = static_cast<std::time_t>(at_us / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[utc.tm_wday],
                utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return out;
}

// CRLF line ends whatever the template used.
std::string crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string encoded_words(std::string_view value) {
  if (plain_ascii(value)) return std::string(value);
  return b_words(value);
}

namespace {

// A subject as it is when it is ASCII and fits its line; else as encoded words,
// which fold (an ASCII subject of 200 characters would otherwise break the 78).
std::string subject_header(std::string_view value) {
  if (plain_ascii(value) && value.size() + 9 <= 78) return std::string(value);
  return b_words(value);
}

// An address header: plain ASCII as it is; a display name in other letters as
// encoded words before the ASCII <address> (RFC 2047 §5 allows them in a phrase).
// An address itself outside ASCII needs SMTPUTF8, which a relay may not offer:
// refused rather than sent broken.
std::string address_header(std::string_view name, std::string_view value) {
  if (plain_ascii(value)) return std::string(value);
  auto open = value.rfind('<');
  if (open == std::string_view::npos || value.back() != '>' || !plain_ascii(value.substr(open))) {
    throw std::invalid_argument(std::string(name) + ": an address outside ASCII");
  }
  auto display = value.substr(0, open);
  while (!display.empty() && display.back() == ' ') display.remove_suffix(1);
  if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
    display = display.substr(1, display.size() - 2);
  }
  std::string out = b_words(display);
  auto last_line = out.size() - (out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  // Fold before the address when it would not fit after the last word.
  bool fits = name.size() + 2 + last_line + 1 + (value.size() - open) <= 78;
  return out + (fits ? " " : "\r\n ") + std::string(value.substr(open));
}

}  // namespace

std::string b_words(std::string_view value) {
  // Words of at most 39 bytes of text: 52 of base64 and 12 of frame, 64 in all, so
  // that "Subject: " and the first word stay within 78 characters on one line.
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t end = std::min(value.size(), i + 39);
    // Back off to the start of a UTF-8 sequence.
    while (end < value.size() && end > i &&
           (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
      --end;
    }
    // Not UTF-8 at all (39 continuation bytes): cut where the word is full rather
    // than loop for ever; the bytes reach the reader as they came.
    if (end == i) end = std::min(value.size(), i + 39);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(value.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  std::size_t line = 0;
  auto put = [&](std::string piece) {
    if (line + piece.size() > 75) {  // room for the soft break's "="
      out += "=\r\n";
      line = 0;
    }
    // A "." opening a line, also one a soft break put there, is escaped (see below).
    if (line == 0 && piece == ".") piece = "=2E";
    out += piece;
    line += piece.size();
  };
  std::string body = crlf(text);
  for (std::size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
      out += "\r\n";
      line = 0;
      ++i;
      continue;
    }
    bool at_line_end = i + 1 == body.size() || body[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    // A line opening with "." trips relays that forget SMTP dot-stuffing: put()
    // escapes it wherever the line starts.
    if (literal) {
      put(std::string(1, static_cast<char>(c)));
    } else {
      put(std::string{'=', hex[c >> 4], hex[c & 15]});
    }
  }
  return out;
}

std::string message_id(std::string_view idempotency_key, std::string_view domain) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(idempotency_key.data()),
                     idempotency_key.size());
  static const char* hex = "0123456789abcdef";
  std::string out = "<";
  for (int i = 0; i < 16; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out + "@" + std::string(domain) + ">";
}

std::string build_mime(const MailMessage& m) {
  for (const auto& [name, value] : {std::pair{"From", &m.from},
                                    {"To", &m.to},
                                    {"Reply-To", &m.reply_to},
                                    {"Subject", &m.subject},
                                    {"Message-ID", &m.message_id},
                                    {"List-Unsubscribe", &m.list_unsubscribe_url},
                                    {"Content-Language", &m.language},
                                    {"X-GoSmart-Notification", &m.kind}}) {
    check_header(name, *value);
  }
  if (m.from.empty() || m.to.empty()) throw std::invalid_argument("a message needs From and To");
  // The boundary is made from the Message-ID: stable, and never in a QP body (which
  // holds no "=_" sequence outside escapes... and no "--=_gs" line).
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(m.message_id.data()),
                     m.message_id.size());
  std::string boundary = "=_gs_" + base64url(std::string_view(reinterpret_cast<char*>(digest), 12));
  std::string out;
  out += "From: " + address_header("From", m.from) + "\r\n";
  out += "To: " + address_header("To", m.to) + "\r\n";
  if (!m.reply_to.empty()) out += "Reply-To: " + address_header("Reply-To", m.reply_to) + "\r\n";
  out += "Subject: " + subject_header(m.subject) + "\r\n";
  out += "Date: " + rfc5322_date(m.date_us) + "\r\n";
  if (!m.message_id.empty()) out += "Message-ID: " + m.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!m.language.empty()) out += "Content-Language: " + m.language + "\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  if (!m.kind.empty()) out += "X-GoSmart-Notification: " + m.kind + "\r\n";
  if (!m.list_unsubscribe_url.empty()) {
    out += "List-Unsubscribe: <" + m.list_unsubscribe_url + ">\r\n";
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  auto part = [&](const char* type, const std::string& body) {
    out += "--" + boundary + "\r\n";
    out += std::string("Content-Type: ") + type + "; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable(body) + "\r\n";
  };
  part("text/plain", m.text);
  part("text/html", m.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace gosmart::notifier
