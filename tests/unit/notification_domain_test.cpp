// The notifier's domain library: the shipped templates in every language (plural
// forms and dates from ICU, English fallback, HTML escaping), the MIME text a relay
// and a mail client read, link tokens, back-off and the consent rules.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>

#include "services/notifier/domain/iso_day.hpp"
#include "services/notifier/domain/link_tokens.hpp"
#include "services/notifier/domain/mime.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/retry.hpp"
#include "services/notifier/domain/templates.hpp"

using namespace gosmart::notifier;

namespace {

const Templates& shipped() {
  static Templates templates =
      Templates::load(std::filesystem::path(GOSMART_SOURCE_DIR) / "services/notifier/templates");
  return templates;
}

nlohmann::json match_model() {
  return {{"org", {{"name", "Optika"}}},
          {"profile", {{"id", "PL-PRF-1"}, {"title", "Machine vision for weld inspection"}}},
          {"partner",
           {{"country", "FI"},
            {"title", "Optical weld inspection <fast>"},
            {"profileId", "FI-PRF-000042"}}},
          {"explanation", {"advanced-manufacturing", "weld"}},
          {"links", {{"unsubscribe", "https://pl.example/n/u/abc.def"}}}};
}

// Undoes quoted-printable (soft breaks and =XX).
std::string qp_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every language renders a match with the partner's country in that language",
          "[notifier]") {
  const std::map<std::string, std::string> finland = {
      {"en", "Finland"},  {"pl", "Finlandia"}, {"fi", "Suomi"}, {"da", "Finland"},
      {"de", "Finnland"}, {"lv", "Somija"},    {"et", "Soome"}, {"lt", "Suomija"}};
  std::set<std::string> subjects;
  for (const auto& [language, name] : finland) {
    auto out = shipped().render("match_found", language, match_model(), "Europe/Warsaw");
    INFO(language << ": " << out.subject);
    CHECK(out.language == language);
    CHECK(out.subject.find(name) != std::string::npos);
    CHECK(out.text.find("Optical weld inspection <fast>") != std::string::npos);
    // Two partners with one title read apart (outside findings: identical mails).
    CHECK(out.text.find("FI-PRF-000042") != std::string::npos);
    CHECK(out.text.find("https://pl.example/n/u/abc.def") != std::string::npos);
    subjects.insert(out.subject);
  }
  CHECK(subjects.size() == 8);  // Danish and English both say "Finland", worded apart
  // The HTML alternative escapes what the text carries as is, and links the link.
  auto out = shipped().render("match_found", "de", match_model(), "Europe/Berlin");
  CHECK(out.html.find("Optical weld inspection &lt;fast&gt;") != std::string::npos);
  CHECK(out.html.find("<fast>") == std::string::npos);
  CHECK(out.html.find("<a href=\"https://pl.example/n/u/abc.def\">") != std::string::npos);
  CHECK(out.html.find("lang=\"de\"") != std::string::npos);
}

TEST_CASE("a language or kind without its file falls back to English", "[notifier]") {
  auto unknown = shipped().render("match_found", "sv", match_model(), "Europe/Warsaw");
  CHECK(unknown.language == "en");
  CHECK(unknown.subject.find("Finland") != std::string::npos);
  nlohmann::json eoi = {{"eoi", {{"id", "PL-EOI-1"}, {"status", "agreement"}}},
                        {"profile", {{"title", "Coatings"}}}};
  CHECK(shipped().render("eoi_advanced", "sv", eoi, "Europe/Stockholm").language == "en");
  CHECK(shipped().render("eoi_advanced", "fi", eoi, "Europe/Helsinki").language == "fi");
  CHECK(shipped().render("eoi_advanced", "pl", eoi, "Europe/Warsaw").language == "pl");
  CHECK_THROWS_AS(shipped().render("no_such_kind", "en", eoi, "UTC"), std::out_of_range);
  CHECK(shipped().has("profile_expiring"));
  // An alert without an unsubscribe link says nothing about one.
  auto model = match_model();
  model.erase("links");
  CHECK(shipped().render("match_found", "en", model, "UTC").text.find("To stop them") ==
        std::string::npos);
}

TEST_CASE("plural forms of days follow each language's rules", "[notifier]") {
  CHECK(days_text(1, "pl") == "1 dzień");
  CHECK(days_text(2, "pl") == "2 dni");
  CHECK(days_text(5, "pl") == "5 dni");
  CHECK(days_text(22, "pl") == "22 dni");
  CHECK(days_text(1, "lt") == "1 diena");
  CHECK(days_text(2, "lt") == "2 dienos");
  CHECK(days_text(10, "lt") == "10 dienų");
  CHECK(days_text(21, "lt") == "21 diena");
  CHECK(days_text(1, "lv") == "1 diena");
  CHECK(days_text(2, "lv") == "2 dienas");
  CHECK(days_text(10, "lv") == "10 dienu");
  CHECK(days_text(1, "fi") == "1 päivä");
  CHECK(days_text(7, "fi") == "7 päivää");
  CHECK(days_text(30, "de") == "30 Tage");
  CHECK(days_text(7, "xx") == "7 days");
  nlohmann::json model = {{"days", 2},
                          {"profile", {{"title", "Coatings"}, {"expiresOn", "2027-03-05"}}}};
  auto pl = shipped().render("profile_expiring", "pl", model, "Europe/Warsaw");
  CHECK(pl.subject == "„Coatings” wygasa za 2 dni");
  CHECK(pl.text.find("5 marca 2027") != std::string::npos);
}

TEST_CASE("dates are written as each language writes them", "[notifier]") {
  CHECK(date_text("2027-03-05", "en") == "March 5, 2027");
  CHECK(date_text("2027-03-05", "de") == "5. März 2027");
  CHECK(date_text("2027-03-05", "pl") == "5 marca 2027");
  CHECK(date_text("2027-03-05", "fi") == "5. maaliskuuta 2027");
  CHECK(date_text("not a date", "de") == "not a date");
  // Text that is not a day is shown as it came, never as a day ICU rolled over to.
  CHECK(date_text("2027-13-05", "en") == "2027-13-05");
  CHECK(date_text("2027-03-00", "en") == "2027-03-00");
}

TEST_CASE("a day is read only as YYYY-MM-DD with a month 1-12 and a day 1-31", "[notifier]") {
  auto day = parse_iso_day("2027-03-05");
  REQUIRE(day);
  CHECK(day->year == 2027);
  CHECK(day->month == 3);
  CHECK(day->day == 5);
  for (const char* bad : {"", "2027-3-05", "2027/03/05", "2027-03-05T00", "2027-00-05",
                          "2027-13-05", "2027-03-00", "2027-03-32", "2O27-03-05", "-027-03-05"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso_day(bad));
  }
  CHECK_THROWS_AS(local_day_us("2027-13-05", 0, 8, "UTC"), std::invalid_argument);
}

TEST_CASE("templates that do not parse or lack English are refused at load", "[notifier]") {
  auto dir =
      std::filesystem::temp_directory_path() / ("gosmart-templates-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "match_found.pl.txt") << "Temat\n\nTreść {{profile.title}}\n";
  CHECK_THROWS_WITH(Templates::load(dir), Catch::Contains("no English template for match_found"));
  std::ofstream(dir / "match_found.en.txt") << "Subject {{#open}}\n\nBody\n";
  CHECK_THROWS_WITH(Templates::load(dir), Catch::Contains("match_found.en.txt"));
  std::ofstream(dir / "match_found.en.txt") << "Subject\nno blank line\n";
  CHECK_THROWS_WITH(Templates::load(dir), Catch::Contains("then a blank line"));
  std::ofstream(dir / "match_found.en.txt") << "Subject\n\nBody\n";
  CHECK(Templates::load(dir).size() == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a message is MIME a relay accepts and a mail client reads back", "[notifier]") {
  MailMessage m;
  m.from = "gosmart@lt.example";
  m.to = "ona@imone.example.lt";
  m.reply_to = "broker@lt.example";
  m.subject =
      "Galimas partneris (Suomija): „Suvirinimo siūlių tikrinimas kameromis plieno "
      "konstrukcijoms“";
  m.text = "Laba diena,\n\nŽodžiai su ąčęėįšųūž ir = ženklu.\n. taškas eilutės pradžioje\n" +
           std::string(200, 'x') + "\n";
  m.html = "<p>Laba diena</p>";
  m.message_id = message_id("match:M-1:LT-PRF-1|abcd|email", "lt.example");
  m.list_unsubscribe_url = "https://lt.example/n/u/token.mac";
  m.language = "lt";
  m.kind = "match_found";
  m.date_us = 1'800'000'000'000'000;
  auto mime = build_mime(m);

  // CRLF only, every line within 78 characters.
  CHECK(std::regex_search(mime, std::regex("[^\r]\n")) == false);
  std::size_t start = 0;
  while (start < mime.size()) {
    auto end = mime.find("\r\n", start);
    INFO(mime.substr(start, end - start));
    CHECK(end - start <= 78);
    start = end + 2;
  }
  // The subject as encoded words of at most 75 characters that decode to the text.
  auto head = mime.substr(0, mime.find("\r\n\r\n"));
  std::smatch word;
  std::string rest = head;
  std::size_t words = 0;
  while (std::regex_search(rest, word, std::regex(R"(=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)"))) {
    CHECK(word.str().size() <= 75);
    ++words;
    rest = word.suffix();
  }
  CHECK(words >= 2);
  CHECK(head.find("\r\nList-Unsubscribe: <https://lt.example/n/u/token.mac>") != std::string::npos);
  CHECK(head.find("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click") != std::string::npos);
  CHECK(head.find("\r\nContent-Language: lt") != std::string::npos);
  CHECK(head.find("\r\nDate: Fri, 15 Jan 2027 08:00:00 +0000") != std::string::npos);
  CHECK(std::regex_search(head, std::regex("Message-ID: <[0-9a-f]{32}@lt\\.example>")));
  // Both parts quoted-printable; the text part decodes to the text, dot-safe.
  auto text_at = mime.find("Content-Type: text/plain; charset=UTF-8");
  REQUIRE(text_at != std::string::npos);
  auto body_at = mime.find("\r\n\r\n", text_at) + 4;
  auto body_end = mime.find("\r\n--=_gs_", body_at);
  auto body = mime.substr(body_at, body_end - body_at);
  CHECK(body.find("\r\n.") == std::string::npos);
  std::string expected = m.text;
  expected = std::regex_replace(expected, std::regex("\n"), "\r\n");
  CHECK(qp_decode(body) == expected);
  CHECK(mime.find("Content-Type: text/html; charset=UTF-8") != std::string::npos);

  // The same key, the same Message-ID; another key, another.
  CHECK(message_id("match:M-1:LT-PRF-1|abcd|email", "lt.example") == m.message_id);
  CHECK(message_id("match:M-1:LT-PRF-1|abce|email", "lt.example") != m.message_id);
  // No header injection.
  auto bad = m;
  bad.subject = "Hello\r\nBcc: everyone@example.org";
  CHECK_THROWS_AS(build_mime(bad), std::invalid_argument);
  bad = m;
  bad.to = "ona@imone.example.lt\nBcc: x@example.org";
  CHECK_THROWS_AS(build_mime(bad), std::invalid_argument);
}

TEST_CASE("link tokens verify only untouched unexpired tokens of their key", "[notifier]") {
  LinkTokens tokens(LinkTokens::new_key());
  LinkClaim claim{"unsubscribe", "PL-000001", 0, "0123456789abcdef", 2'000'000'000'000'000};
  auto token = tokens.sign(claim);
  CHECK(token.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);
  auto back = tokens.verify(token, 1'000'000'000'000'000);
  REQUIRE(back);
  CHECK(back->action == "unsubscribe");
  CHECK(back->org_id == "PL-000001");
  CHECK(back->subject == "0123456789abcdef");
  CHECK_FALSE(tokens.verify(token, 2'000'000'000'000'001));  // expired
  for (std::size_t i = 0; i < token.size(); ++i) {
    auto tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    INFO(i);
    CHECK_FALSE(tokens.verify(tampered, 1));
  }
  CHECK_FALSE(LinkTokens(LinkTokens::new_key()).verify(token, 1));
  for (const char* garbage : {"", ".", "abc", "abc.", ".abc", "a.b.c", "====.===="}) {
    CHECK_FALSE(tokens.verify(garbage, 1));
  }
  CHECK_FALSE(tokens.verify(std::string(5000, 'a'), 1));
  CHECK_THROWS_AS(LinkTokens("short"), std::invalid_argument);
}

TEST_CASE("back-off doubles to its cap with jitter of at most half", "[notifier]") {
  RetryPolicy policy{5, 1000, 10'000, 0};
  for (uint64_t random : {0ULL, 512ULL, 1024ULL, 0xFFFFFFFFULL}) {
    for (int attempt = 1; attempt <= 8; ++attempt) {
      int64_t full = std::min<int64_t>(10'000, 1000LL << (attempt - 1));
      auto delay = next_delay_ms(policy, attempt, random);
      INFO(attempt << " " << random);
      CHECK(delay >= full / 2);
      CHECK(delay <= full);
    }
  }
  CHECK(next_delay_ms(policy, 1, 1024) == 1000);
  CHECK(next_delay_ms(policy, 1, 0) == 500);
  CHECK(next_delay_ms(policy, 30, 1024) == 10'000);
  CHECK_FALSE(exhausted(policy, 4, 0));
  CHECK(exhausted(policy, 5, 0));
}

TEST_CASE("alerts need a consent in force and transactional kinds are named", "[notifier]") {
  std::vector<ConsentRecord> none;
  CHECK_FALSE(alerts_allowed(none, Channel::email));
  std::vector<ConsentRecord> given = {{"notifications", "email", 10, 0}};
  CHECK(alerts_allowed(given, Channel::email));
  CHECK_FALSE(alerts_allowed(given, Channel::none));
  std::vector<ConsentRecord> withdrawn = {{"notifications", "email", 10, 20}};
  CHECK_FALSE(alerts_allowed(withdrawn, Channel::email));
  std::vector<ConsentRecord> other = {{"newsletter", "email", 10, 0},
                                      {"notifications", "sms", 10, 0}};
  CHECK_FALSE(alerts_allowed(other, Channel::email));
  std::vector<ConsentRecord> any_channel = {{"notifications", "", 10, 0}};
  CHECK(alerts_allowed(any_channel, Channel::email));
  CHECK(is_transactional("eoi_received"));
  CHECK(is_transactional("profile_returned"));
  CHECK_FALSE(is_transactional("match_found"));
  CHECK_FALSE(is_transactional("profile_expiring"));
  CHECK(parse_rhythm("weekly") == Rhythm::weekly);
  CHECK_FALSE(parse_rhythm("hourly"));
  CHECK(parse_channel("none") == Channel::none);
  CHECK_FALSE(parse_channel("sms"));
}

TEST_CASE("which failed sends are final", "[notifier]") {
  // SMTP: 5xx final, 4xx tried again.
  CHECK(refused_for_good(false, 550));
  CHECK_FALSE(refused_for_good(false, 451));
  CHECK_FALSE(refused_for_good(false, 0));  // no answer at all
  // A webhook: 4xx final but 408 and 429; a redirect is not followed, so final too
  // (outside findings: a 307 was retried like a 5xx); 5xx tried again.
  CHECK(refused_for_good(true, 404));
  CHECK(refused_for_good(true, 410));
  CHECK(refused_for_good(true, 307));
  CHECK(refused_for_good(true, 301));
  CHECK_FALSE(refused_for_good(true, 408));
  CHECK_FALSE(refused_for_good(true, 429));
  CHECK_FALSE(refused_for_good(true, 503));
  CHECK_FALSE(refused_for_good(true, 0));
}

TEST_CASE("a failure of one recipient steps aside; a relay's own holds its lane", "[notifier]") {
  using S = SmtpStep;
  CHECK(fails_every_recipient(false, false, 0, S::greeting));          // no connection, TLS, login
  CHECK(fails_every_recipient(false, true, 0, S::recipient));          // connected, no reply at all
  CHECK(fails_every_recipient(false, true, 421, S::recipient));        // the relay is closing down
  CHECK_FALSE(fails_every_recipient(false, true, 451, S::recipient));  // one mailbox: later
  CHECK_FALSE(fails_every_recipient(false, true, 250, S::data));       // stalled in DATA
  CHECK_FALSE(fails_every_recipient(false, true, 250, S::message));    // stalled after it
  // Outside findings: a relay stalling in MAIL FROM (its last reply EHLO's 250) was
  // taken for one recipient's failure, so every message stepped aside in turn.
  CHECK(fails_every_recipient(false, true, 250, S::sender));
  CHECK(fails_every_recipient(false, true, 250, S::hello));
  CHECK(fails_every_recipient(false, true, 451, S::sender));  // the sender refused for now
  CHECK(fails_every_recipient(false, true, 334, S::auth));
  // Every webhook is its own server: its failure is that hook's alone.
  CHECK_FALSE(fails_every_recipient(true, false, 0, S::greeting));
  CHECK_FALSE(fails_every_recipient(true, true, 500, S::message));
}

TEST_CASE("the SMTP step is followed from the command lines libcurl writes", "[notifier]") {
  using S = SmtpStep;
  S step = S::greeting;
  for (auto [line, expected] : std::vector<std::pair<std::string, S>>{
           {"EHLO host\r\n", S::hello},
           {"STARTTLS\r\n", S::starttls},
           {"ehlo host\r\n", S::hello},
           {"AUTH PLAIN\r\n", S::auth},
           {"dXNlcgB1c2VyAHBhc3M=\r\n", S::auth},  // an AUTH continuation
           {"MAIL FROM:<n@pl.example> SIZE=512\r\n", S::sender},
           {"RCPT TO:<anna@example.pl>\r\n", S::recipient},
           {"DATA\r\n", S::data},
           {"QUIT\r\n", S::data},  // closing names no step
           {"RSET\r\n", S::data},
           {"MAILBOX\r\n", S::data},  // not a verb of ours
       }) {
    step = step_after_command(line, step);
    CHECK(step == expected);
  }
  CHECK(std::string(step_name(S::sender)) == "MAIL FROM");
}

TEST_CASE("a failure is named by the reply that failed and never by a good one", "[notifier]") {
  using S = SmtpStep;
  // Outside findings: a stall after MAIL FROM's 250 read "SMTP 250: Timeout was
  // reached", and a refused recipient "SMTP 451: Failed sending data to the peer"
  // (libcurl's words for any refusal), which read like a network fault.
  CHECK(failure_reason(false, 250, "Timeout was reached", S::recipient) ==
        "Timeout was reached (after SMTP 250, waiting on RCPT TO)");
  CHECK(failure_reason(false, 451, "Failed sending data to the peer", S::recipient) ==
        "SMTP 451 in reply to RCPT TO");
  CHECK(failure_reason(false, 554, "Weird server reply", S::greeting) ==
        "SMTP 554 in the greeting");
  CHECK(failure_reason(false, 0, "Couldn't connect to server", S::greeting) ==
        "Couldn't connect to server");
  CHECK(failure_reason(false, 0, "Timeout was reached", S::hello) ==
        "Timeout was reached (no reply to EHLO)");
  CHECK(failure_reason(true, 500, "HTTP status", S::message) == "HTTP 500: HTTP status");
  CHECK(failure_reason(true, 200, "Timeout was reached", S::message) ==
        "Timeout was reached (after HTTP 200)");
}
