// The Internet message the notifier hands its relay (services/notifier/domain/
// mime.hpp), read back by a small reader written here from the RFCs: headers
// unfolded, encoded words decoded, the multipart split at its boundary,
// quoted-printable decoded. What a mail client would see must be what was meant.
#include <sodium.h>
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "services/notifier/domain/mime.hpp"

using namespace gosmart::notifier;

namespace {

struct Part {
  std::multimap<std::string, std::string> headers;
  std::string body;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\r\n", start);
    REQUIRE(end != std::string::npos);  // every line ends in CRLF
    out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// Headers (folded lines joined, RFC 5322 §2.2.3) and the body after the blank line.
Part parse_part(const std::string& text) {
  Part part;
  auto split = text.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  std::string name, value;
  for (const auto& line : lines_of(text.substr(0, split + 2))) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += line;  // unfold: the CRLF goes, the white space stays
      continue;
    }
    if (!name.empty()) part.headers.emplace(name, value);
    auto colon = line.find(": ");
    REQUIRE(colon != std::string::npos);
    name = line.substr(0, colon);
    value = line.substr(colon + 2);
  }
  if (!name.empty()) part.headers.emplace(name, value);
  part.body = text.substr(split + 4);
  return part;
}

std::string header(const Part& part, const std::string& name) {
  REQUIRE(part.headers.count(name) == 1);
  return part.headers.find(name)->second;
}

std::string base64_decode(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  REQUIRE(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                            text.size(), nullptr, &length, nullptr,
                            sodium_base64_VARIANT_ORIGINAL) == 0);
  out.resize(length);
  return out;
}

// RFC 2047: encoded words, and the white space between two of them dropped. Each
// word must be whole UTF-8 on its own (§5: "each encoded-word MUST represent an
// integral number of characters").
std::string decode_words(const std::string& value) {
  static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  std::string out;
  auto begin = std::sregex_iterator(value.begin(), value.end(), word);
  std::size_t at = 0;
  bool previous_word = false;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::string between = value.substr(at, it->position() - at);
    if (!(previous_word && between.find_first_not_of(" \t") == std::string::npos)) {
      out += between;
    }
    CHECK(it->length() <= 75);
    std::string text = base64_decode((*it)[1]);
    // Whole characters: no word starts with a continuation byte, none ends inside.
    REQUIRE_FALSE(text.empty());
    CHECK((static_cast<unsigned char>(text.front()) & 0xC0) != 0x80);
    std::size_t last = text.size() - 1;
    while (last > 0 && (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80) --last;
    auto lead = static_cast<unsigned char>(text[last]);
    std::size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    CHECK(text.size() - last == want);
    out += text;
    at = it->position() + it->length();
    previous_word = true;
  }
  return out + value.substr(at);
}

std::string qp_decode(const std::string& text) {
  std::string out;
  for (const auto& line : lines_of(text)) {
    CHECK(line.size() <= 76);
    // No white space may end an encoded line (RFC 2045 §6.7 rule 3).
    if (!line.empty()) CHECK((line.back() != ' ' && line.back() != '\t'));
    CHECK((line.empty() || line[0] != '.'));
    bool soft = !line.empty() && line.back() == '=';
    std::string content = soft ? line.substr(0, line.size() - 1) : line;
    for (std::size_t i = 0; i < content.size(); ++i) {
      if (content[i] == '=') {
        REQUIRE(i + 2 < content.size());
        std::string hex = content.substr(i + 1, 2);
        REQUIRE(hex.find_first_not_of("0123456789ABCDEF") == std::string::npos);
        out += static_cast<char>(std::stoi(hex, nullptr, 16));
        i += 2;
      } else {
        unsigned char c = static_cast<unsigned char>(content[i]);
        CHECK(((c >= 33 && c <= 126) || c == ' ' || c == '\t'));
        out += content[i];
      }
    }
    if (!soft) out += "\r\n";
  }
  return out;
}

// The multipart body split at its boundary: the parts between the delimiter lines.
std::vector<Part> parse_multipart(const Part& message) {
  std::smatch m;
  auto type = header(message, "Content-Type");
  REQUIRE(
      std::regex_match(type, m, std::regex(R"re(multipart/alternative; boundary="([^"]+)")re")));
  std::string boundary = m[1];
  CHECK(boundary.size() <= 70);
  std::string delimiter = "--" + boundary;
  auto lines = lines_of(message.body);
  std::vector<Part> parts;
  std::string current;
  bool inside = false, closed = false;
  for (const auto& line : lines) {
    CHECK_FALSE(closed);  // nothing after the close delimiter
    if (line == delimiter || line == delimiter + "--") {
      if (inside) {
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        REQUIRE(current.size() >= 2);
        parts.push_back(parse_part(current.substr(0, current.size() - 2)));
      }
      current.clear();
      inside = true;
      closed = line != delimiter;
      continue;
    }
    REQUIRE(inside);  // no preamble
    // The boundary never occurs inside a part.
    CHECK(line.find(delimiter) == std::string::npos);
    current += line + "\r\n";
  }
  CHECK(closed);
  return parts;
}

std::string crlf(const std::string& text) {
  return std::regex_replace(text, std::regex("\r?\n"), "\r\n");
}

MailMessage polish_message() {
  MailMessage m;
  m.from = "GoSmart Polska <powiadomienia@pl.gosmart.example>";
  m.to = "anna.kowalska@firma.example.pl";
  m.reply_to = "doradca@pl.gosmart.example";
  m.subject =
      "Potencjalny partner (Finlandia) dla „Zautomatyzowana kontrola spoin "
      "spawalniczych w konstrukcjach stalowych — źdźbło, gęślą jaźń”";
  m.text =
      "Dzień dobry,\n\nZażółć gęślą jaźń = 100% ŹDŹBŁO.\n. kropka na początku\n"
      "spacja na końcu \ntab na końcu\t\n" +
      std::string(120, 'x') + "\n" + std::string(40, 'a') + " " + "ąęćłńóśźż" +
      std::string(60, '.') + "\nkoniec";
  m.html = "<!doctype html><p>Dzień dobry &amp; do zobaczenia</p>";
  m.message_id = message_id("match:M-9:PL-PRF-1|a1b2|email", "pl.gosmart.example");
  m.list_unsubscribe_url = "https://pl.gosmart.example/n/u/eyJhIjoidSJ9.c2ln";
  m.language = "pl";
  m.kind = "match_found";
  m.date_us = 1'800'000'000'000'000;  // 2027-01-15 08:00:00 UTC, a Friday
  return m;
}

}  // namespace

TEST_CASE("a Polish message reads back header by header and part by part", "[notifier]") {
  auto m = polish_message();
  auto mime = build_mime(m);
  CHECK_FALSE(std::regex_search(mime, std::regex("[^\r]\n|\r[^\n]")));  // CRLF only
  for (const auto& line : lines_of(mime)) CHECK(line.size() <= 78);
  for (unsigned char c : mime) CHECK(c < 0x80);  // 7-bit on the wire

  auto message = parse_part(mime);
  CHECK(decode_words(header(message, "Subject")) == m.subject);
  CHECK(header(message, "Subject").find("=?UTF-8?B?") == 0);
  CHECK(header(message, "From") == m.from);
  CHECK(header(message, "To") == m.to);
  CHECK(header(message, "Reply-To") == m.reply_to);
  CHECK(header(message, "Date") == "Fri, 15 Jan 2027 08:00:00 +0000");
  CHECK(header(message, "Message-ID") == m.message_id);
  CHECK(header(message, "MIME-Version") == "1.0");
  CHECK(header(message, "Content-Language") == "pl");
  CHECK(header(message, "Auto-Submitted") == "auto-generated");
  CHECK(header(message, "List-Unsubscribe") == "<" + m.list_unsubscribe_url + ">");
  CHECK(header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click");

  auto parts = parse_multipart(message);
  REQUIRE(parts.size() == 2);
  CHECK(header(parts[0], "Content-Type") == "text/plain; charset=UTF-8");
  CHECK(header(parts[1], "Content-Type") == "text/html; charset=UTF-8");
  for (const auto& part : parts) {
    CHECK(header(part, "Content-Transfer-Encoding") == "quoted-printable");
  }
  // The CRLF that ends the body is the encoder's; the text is what was written.
  CHECK(qp_decode(parts[0].body + "\r\n") == crlf(m.text) + "\r\n");
  CHECK(qp_decode(parts[1].body + "\r\n") == m.html + "\r\n");
}

TEST_CASE("quoted-printable round-trips any Lithuanian and Polish text", "[notifier]") {
  const std::vector<std::string> pieces = {"ą", "č", "ę",  "ė", "į", "š",  "ų", "ū", "ž", "Ž",
                                           "ł", "ń", "ó",  "ś", "ź", "ż",  "€", "—", "„", "“",
                                           " ", " ", "\t", "=", ".", "\n", "a", "Z", "0", "🙂"};
  std::mt19937 random(20270115);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    auto length = random() % 400;
    for (std::size_t i = 0; i < length; ++i) text += pieces[random() % pieces.size()];
    auto encoded = quoted_printable(text);
    INFO(text);
    CHECK(qp_decode(encoded + "\r\n") == crlf(text) + "\r\n");
  }
}

TEST_CASE("encoded words stay within 75 characters and whole characters", "[notifier]") {
  for (std::size_t repeat : {1, 5, 13, 38, 39, 40, 100}) {
    for (std::string unit : {"ą", "€", "🙂", "aą", "ab€"}) {
      std::string subject;
      for (std::size_t i = 0; i < repeat; ++i) subject += unit;
      auto words = encoded_words(subject);
      INFO(subject);
      for (const auto& line : lines_of(words + "\r\n")) CHECK(line.size() <= 78 - 9);
      CHECK(decode_words(std::regex_replace(words, std::regex("\r\n "), " ")) == subject);
    }
  }
  CHECK(encoded_words("Plain ASCII") == "Plain ASCII");
  // Bytes that are not UTF-8 at all still end (and come back as they went).
  std::string broken(100, '\x80');
  CHECK(base64_decode(encoded_words(broken).substr(10, 52)).size() == 39);
  // A long ASCII subject folds as encoded words instead of breaking the line limit.
  auto m = polish_message();
  m.subject = std::string(30, 'w') + " " + std::string(100, 'v');
  auto message = parse_part(build_mime(m));
  CHECK(decode_words(header(message, "Subject")) == m.subject);
  m.subject = "Short subject";
  CHECK(header(parse_part(build_mime(m)), "Subject") == "Short subject");
}

TEST_CASE("display names outside ASCII are encoded and addresses must be ASCII", "[notifier]") {
  auto m = polish_message();
  m.from = "GoSmart Łódź <powiadomienia@pl.gosmart.example>";
  m.reply_to =
      "\"Doradca Żaneta Wąsowska-Przybyłowicz z Wojewódzkiego Ośrodka\" "
      "<zaneta.wasowska-przybylowicz.doradca@pl.gosmart.example>";
  auto mime = build_mime(m);
  for (const auto& line : lines_of(mime)) CHECK(line.size() <= 78);
  auto message = parse_part(mime);
  CHECK(decode_words(header(message, "From")) == m.from);
  CHECK(decode_words(header(message, "Reply-To")) ==
        "Doradca Żaneta Wąsowska-Przybyłowicz z Wojewódzkiego Ośrodka "
        "<zaneta.wasowska-przybylowicz.doradca@pl.gosmart.example>");
  m.to = "józef@firma.example.pl";
  CHECK_THROWS_AS(build_mime(m), std::invalid_argument);
}

TEST_CASE("header injection and missing addresses are refused", "[notifier]") {
  const std::vector<std::string MailMessage::*> fields = {
      &MailMessage::from,     &MailMessage::to,         &MailMessage::reply_to,
      &MailMessage::subject,  &MailMessage::message_id, &MailMessage::list_unsubscribe_url,
      &MailMessage::language, &MailMessage::kind};
  for (auto field : fields) {
    for (const char* evil :
         {"\r\nBcc: all@example.org", "\nBcc: all@example.org", "\rBcc: all@example.org"}) {
      auto m = polish_message();
      m.*field += evil;
      INFO(m.*field);
      CHECK_THROWS_AS(build_mime(m), std::invalid_argument);
    }
    auto m = polish_message();
    m.*field += std::string(1, '\0');
    CHECK_THROWS_AS(build_mime(m), std::invalid_argument);
  }
  auto m = polish_message();
  m.from.clear();
  CHECK_THROWS_AS(build_mime(m), std::invalid_argument);
  m = polish_message();
  m.to.clear();
  CHECK_THROWS_AS(build_mime(m), std::invalid_argument);
  // Line breaks in the bodies are content, not injection.
  m = polish_message();
  m.text = "line\r\nBcc: nobody@example.org\r\n";
  CHECK_NOTHROW(build_mime(m));
}

TEST_CASE("transactional messages carry no unsubscribe headers", "[notifier]") {
  auto m = polish_message();
  m.list_unsubscribe_url.clear();
  m.reply_to.clear();
  auto message = parse_part(build_mime(m));
  CHECK(message.headers.count("List-Unsubscribe") == 0);
  CHECK(message.headers.count("List-Unsubscribe-Post") == 0);
  CHECK(message.headers.count("Reply-To") == 0);
  CHECK(parse_multipart(message).size() == 2);
}

TEST_CASE("message IDs are stable per key and differ between keys", "[notifier]") {
  auto id = message_id("eoi:PL-EOI-7:accepted|00ff|email", "pl.gosmart.example");
  CHECK(std::regex_match(id, std::regex("<[0-9a-f]{32}@pl\\.gosmart\\.example>")));
  CHECK(message_id("eoi:PL-EOI-7:accepted|00ff|email", "pl.gosmart.example") == id);
  CHECK(message_id("eoi:PL-EOI-7:declined|00ff|email", "pl.gosmart.example") != id);
  CHECK(message_id("eoi:PL-EOI-7:accepted|00ff|email", "fi.gosmart.example") != id);
  // The first 16 bytes of SHA-256 in hex: SHA-256("abc") begins ba7816bf8f01cfea
  // 414140de5dae2223 (FIPS 180-2, appendix B.1).
  CHECK(message_id("abc", "x") == "<ba7816bf8f01cfea414140de5dae2223@x>");
  // The boundary comes from the ID too: the same message is the same bytes.
  auto m = polish_message();
  CHECK(build_mime(m) == build_mime(m));
}
