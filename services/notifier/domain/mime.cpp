#include "services/notifier/domain/mime.hpp"

#include <sodium.h>

#include <ctime>
#include <stdexcept>

#include "services/notifier/domain/link_tokens.hpp"

namespace gosmart::notifier {

namespace {

void check_header(std::string_view name, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) {
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
  auto put = [&](const std::string& piece) {
    if (line + piece.size() > 75) {  // room for the soft break's "="
      out += "=\r\n";
      line = 0;
    }
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
    // A leading "." or "From " is safe in QP bodies only escaped (SMTP dot-stuffing
    // and mbox): escape a dot at the start of a line.
    if (c == '.' && line == 0) literal = false;
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
  out += "From: " + m.from + "\r\n";
  out += "To: " + m.to + "\r\n";
  if (!m.reply_to.empty()) out += "Reply-To: " + m.reply_to + "\r\n";
  out += "Subject: " + encoded_words(m.subject) + "\r\n";
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
