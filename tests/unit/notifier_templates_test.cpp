// The shipped templates (services/notifier/templates) through the domain library's
// Templates: every kind in every language, the ICU parts the model gets (plurals,
// dates in the node's zone, country names, statuses), English fallback, and what
// the HTML alternative escapes while the text does not.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "services/notifier/domain/digest.hpp"
#include "services/notifier/domain/link_pages.hpp"
#include "services/notifier/domain/templates.hpp"

using namespace gosmart::notifier;

namespace {

const std::vector<std::string> kLanguages = {"en", "pl", "fi", "da", "de", "lv", "et", "lt"};
const std::vector<std::string> kKinds = {"match_found",
                                         "match_retracted",
                                         "eoi_received",
                                         "eoi_answered",
                                         "eoi_advanced",
                                         "eoi_undeliverable",
                                         "profile_published",
                                         "profile_returned",
                                         "profile_expiring",
                                         "profile_expired",
                                         "digest"};

// Kind.language pairs that fall back to English on purpose: none today, every kind is
// written in all eight languages (the fallback is checked with an unknown language).
const std::set<std::string> kEnglishOnPurpose = {};

const Templates& shipped() {
  static Templates templates =
      Templates::load(std::filesystem::path(GOSMART_SOURCE_DIR) / "services/notifier/templates");
  return templates;
}

// 2027-03-04 23:30 UTC: already 5 March in Warsaw and Berlin, still 4 March in UTC.
constexpr int64_t kExpiresUs = 1'804'203'000'000'000;

// Everything any kind reads, with values a test can find again.
nlohmann::json full_model() {
  auto digest = digest_model({{"match_found", "Partner-Subject-One", "Partner-Text-One", 10, ""},
                              {"profile_expiring", "Expiry-Subject-Two", "", 20, ""}});
  nlohmann::json model = {
      {"org", {{"name", "Org-Name"}}},
      {"partner",
       {{"country", "FI"}, {"type", "SME"}, {"title", "Partner-Title"}, {"sector", "C25"}}},
      {"explanation", {"Reason-One", "Reason-Two"}},
      {"profile", {{"title", "Profile-Title"}, {"id", "PL-PRF-1"}}},
      {"days", 7},
      {"expiresAtUs", kExpiresUs},
      {"comment", "Broker-Comment"},
      {"eoi", {{"id", "EOI-ID-1"}, {"status", "agreement"}, {"accepted", true}}},
      {"links",
       {{"unsubscribe", "https://n.example/u/TOKEN-U"},
        {"renew", "https://n.example/r/TOKEN-R"},
        {"preferences", "https://n.example/p/TOKEN-P"},
        {"view", "https://n.example/v/TOKEN-V"}}}};
  model["count"] = digest["count"];
  model["items"] = digest["items"];
  return model;
}

// What each kind must tell, whatever the language.
std::vector<std::string> must_show(const std::string& kind) {
  if (kind == "match_found") return {"Profile-Title", "Partner-Title", "Reason-One", "TOKEN-U"};
  if (kind == "match_retracted") return {"Profile-Title", "Partner-Title", "TOKEN-U"};
  if (kind.rfind("eoi_", 0) == 0) return {"EOI-ID-1"};
  if (kind == "profile_returned") return {"Profile-Title", "Broker-Comment"};
  if (kind == "profile_expiring") return {"Profile-Title", "TOKEN-R", "TOKEN-U"};
  if (kind == "digest") return {"Partner-Subject-One", "Partner-Text-One", "Expiry-Subject-Two"};
  return {"Profile-Title"};
}

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("gosmart-notifier-templates-" + std::to_string(getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

}  // namespace

TEST_CASE("every kind renders in every language from its own file", "[notifier]") {
  auto model = full_model();
  for (const auto& kind : kKinds) {
    REQUIRE(shipped().has(kind));
    std::set<std::string> bodies;
    for (const auto& language : kLanguages) {
      auto out = shipped().render(kind, language, model, "Europe/Warsaw");
      INFO(kind << "." << language << "\n" << out.subject << "\n" << out.text);
      bool english = kEnglishOnPurpose.count(kind + "." + language) > 0;
      CHECK(out.language == (english ? "en" : language));
      CHECK_FALSE(out.subject.empty());
      CHECK(out.subject.find('\n') == std::string::npos);
      for (const auto* part : {&out.subject, &out.text, &out.html}) {
        CHECK(part->find("{{") == std::string::npos);
        CHECK(part->find("}}") == std::string::npos);
      }
      CHECK(out.text.find("\n\n\n") == std::string::npos);  // sections leave no gaps
      for (const auto& fact : must_show(kind)) CHECK(out.text.find(fact) != std::string::npos);
      // Every link in the text is a link in the HTML.
      for (const char* token : {"TOKEN-U", "TOKEN-R", "TOKEN-P"}) {
        if (out.text.find(token) != std::string::npos) {
          CHECK(out.html.find(std::string("<a href=\"https://n.example/")) != std::string::npos);
        }
      }
      CHECK(out.html.find("lang=\"" + out.language + "\"") != std::string::npos);
      bodies.insert(out.text);
    }
    // No language left as another's copy.
    std::size_t english_copies = 0;
    for (const auto& language : kLanguages)
      english_copies += kEnglishOnPurpose.count(kind + "." + language);
    CHECK(bodies.size() == kLanguages.size() - english_copies);
  }
}

TEST_CASE("alerts carry the unsubscribe line only with a link", "[notifier]") {
  auto model = full_model();
  model["links"].erase("unsubscribe");
  for (const auto& kind : {"match_found", "match_retracted", "profile_expiring", "digest"}) {
    for (const auto& language : kLanguages) {
      auto out = shipped().render(kind, language, model, "UTC");
      INFO(kind << "." << language);
      CHECK(out.text.find("TOKEN-U") == std::string::npos);
      CHECK(out.text.find(": \n") == std::string::npos);  // no dangling "To stop them: "
    }
  }
}

TEST_CASE("plural counts differ where each language's rules say", "[notifier]") {
  // Days: Polish has one form for 1 and another for 2, 5 and 22.
  CHECK(days_text(1, "pl") == "1 dzień");
  CHECK(days_text(2, "pl") == "2 dni");
  CHECK(days_text(5, "pl") == "5 dni");
  CHECK(days_text(22, "pl") == "22 dni");
  CHECK(days_text(11, "lt") == "11 dienų");
  CHECK(days_text(0, "lv") == "0 dienu");
  CHECK(days_text(21, "lv") == "21 diena");
  CHECK(days_text(1, "et") == "1 päev");
  CHECK(days_text(30, "da") == "30 dage");
  // Notifications: Polish one, few and many all differ (1, 2, 5, 22, 12, 112).
  CHECK(notifications_text(1, "pl") == "1 powiadomienie");
  CHECK(notifications_text(2, "pl") == "2 powiadomienia");
  CHECK(notifications_text(5, "pl") == "5 powiadomień");
  CHECK(notifications_text(22, "pl") == "22 powiadomienia");
  CHECK(notifications_text(12, "pl") == "12 powiadomień");
  CHECK(notifications_text(112, "pl") == "112 powiadomień");
  CHECK(notifications_text(1, "lt") == "1 pranešimas");
  CHECK(notifications_text(2, "lt") == "2 pranešimai");
  CHECK(notifications_text(10, "lt") == "10 pranešimų");
  CHECK(notifications_text(21, "lt") == "21 pranešimas");
  CHECK(notifications_text(0, "lv") == "0 paziņojumu");
  CHECK(notifications_text(1, "lv") == "1 paziņojums");
  CHECK(notifications_text(3, "lv") == "3 paziņojumi");
  CHECK(notifications_text(11, "lv") == "11 paziņojumu");
  CHECK(notifications_text(1, "de") == "1 Benachrichtigung");
  CHECK(notifications_text(2, "fi") == "2 ilmoitusta");
  CHECK(notifications_text(4, "xx") == "4 notifications");
  // In a rendered reminder: the subject says the count in that language.
  auto model = full_model();
  for (auto [days, polish] : std::vector<std::pair<int, std::string>>{
           {1, "za 1 dzień"}, {2, "za 2 dni"}, {5, "za 5 dni"}, {22, "za 22 dni"}}) {
    model["days"] = days;
    CHECK(shipped().render("profile_expiring", "pl", model, "Europe/Warsaw").subject.find(polish) !=
          std::string::npos);
  }
  model["days"] = 1;
  CHECK(shipped().render("profile_expiring", "en", model, "UTC").subject ==
        "“Profile-Title” expires in 1 day");
  model["days"] = 7;
  CHECK(shipped().render("profile_expiring", "en", model, "UTC").subject ==
        "“Profile-Title” expires in 7 days");
  model["days"] = 2;
  CHECK(shipped()
            .render("profile_expiring", "lt", model, "Europe/Vilnius")
            .subject.find("2 dienos") != std::string::npos);
  model["count"] = 5;
  CHECK(shipped().render("digest", "pl", model, "Europe/Warsaw").subject ==
        "GoSmart: 5 powiadomień");
}

TEST_CASE("expiry dates are the day in the node's zone written the language's way", "[notifier]") {
  CHECK(date_text_at(kExpiresUs, "pl", "Europe/Warsaw") == "5 marca 2027");
  CHECK(date_text_at(kExpiresUs, "de", "Europe/Berlin") == "5. März 2027");
  CHECK(date_text_at(kExpiresUs, "en", "UTC") == "March 4, 2027");
  CHECK(date_text_at(kExpiresUs, "en", "No/Such_Zone") == "March 4, 2027");  // UTC
  CHECK(date_text_at(kExpiresUs, "lt", "Europe/Vilnius") == "2027 m. kovo 5 d.");
  auto model = full_model();
  auto pl = shipped().render("profile_expiring", "pl", model, "Europe/Warsaw");
  CHECK(pl.text.find("5 marca 2027") != std::string::npos);
  auto de = shipped().render("profile_expiring", "de", model, "Europe/Berlin");
  CHECK(de.text.find("5. März 2027") != std::string::npos);
  auto en = shipped().render("profile_expiring", "en", model, "UTC");
  CHECK(en.text.find("March 4, 2027") != std::string::npos);
  // A plain day in profile.expiresOn still works when no instant is given.
  model.erase("expiresAtUs");
  model["profile"]["expiresOn"] = "2027-06-30";
  CHECK(shipped().render("profile_published", "de", model, "UTC").text.find("30. Juni 2027") !=
        std::string::npos);
  // Digest items get their date and time in the zone.
  auto digest = shipped().render("digest", "en", full_model(), "UTC");
  CHECK(digest.text.find("Jan 1, 1970") != std::string::npos);
}

TEST_CASE("the model gets country names and statuses in the template's language", "[notifier]") {
  auto model = full_model();
  CHECK(shipped().render("match_found", "de", model, "UTC").subject.find("Finnland") !=
        std::string::npos);
  CHECK(shipped().render("match_found", "lv", model, "UTC").subject.find("Somija") !=
        std::string::npos);
  // A name the model brings is kept.
  model["partner"]["countryName"] = "Suomen tasavalta";
  CHECK(shipped().render("match_found", "de", model, "UTC").subject.find("Suomen tasavalta") !=
        std::string::npos);
  CHECK(eoi_status_text("agreement", "pl") == "zawarto porozumienie");
  CHECK(eoi_status_text("noAgreement", "de") == "ohne Vereinbarung beendet");
  CHECK(eoi_status_text("somethingNew", "fi") == "somethingNew");
  CHECK(eoi_status_text("negotiation", "sv") == "in negotiation");
  auto eoi = shipped().render("eoi_advanced", "et", full_model(), "UTC");
  CHECK(eoi.text.find("kokkulepe sõlmitud") != std::string::npos);
  CHECK(eoi.text.find("agreement") == std::string::npos);
}

TEST_CASE("an unknown language or a missing kind file falls back to English", "[notifier]") {
  auto model = full_model();
  auto sv = shipped().render("match_found", "sv", model, "Europe/Stockholm");
  CHECK(sv.language == "en");
  CHECK(sv.subject == "A partner in Finland for “Profile-Title”");
  CHECK(shipped().render("match_found", "", model, "UTC").language == "en");
  CHECK_THROWS_AS(shipped().render("no_such_kind", "pl", model, "UTC"), std::out_of_range);
  CHECK_FALSE(shipped().has("no_such_kind"));

  TempDir dir;
  dir.write("match_found.en.txt", "Match {{partner.countryName}} {{daysText}}\n\nBody\n");
  dir.write("match_found.pl.txt", "Dopasowanie {{partner.countryName}} {{daysText}}\n\nTreść\n");
  dir.write("digest.en.txt", "Digest {{countText}}\n\nItems\n");
  dir.write("README.md", "not a template\n");
  auto templates = Templates::load(dir.path);
  CHECK(templates.has("digest"));
  // The Polish file is used where it exists, with Polish plurals and names...
  auto pl = templates.render("match_found", "pl", model, "UTC");
  CHECK(pl.language == "pl");
  CHECK(pl.subject == "Dopasowanie Finlandia 7 dni");
  // ...and English, with English plurals and names, where the kind has no Polish file.
  auto digest = templates.render("digest", "pl", model, "UTC");
  CHECK(digest.language == "en");
  CHECK(digest.subject == "Digest 2 notifications");
  auto fi = templates.render("match_found", "fi", model, "UTC");
  CHECK(fi.subject == "Match Finland 7 days");
}

TEST_CASE("a broken or incomplete template folder is refused naming the file", "[notifier]") {
  {
    TempDir dir;
    dir.write("match_retracted.de.txt", "Betreff\n\nText\n");
    CHECK_THROWS_WITH(Templates::load(dir.path),
                      Catch::Contains("no English template for match_retracted"));
  }
  {
    // Every kind without English is named at once, those sent and those added alike
    // (outside findings: only the first was named).
    TempDir dir;
    dir.write("match_found.pl.txt", "Temat\n\nTekst\n");
    CHECK_THROWS_WITH(Templates::load(dir.path, {"digest", "match_found"}),
                      Catch::Contains("no English template for digest, match_found"));
    dir.write("zzz_custom.de.txt", "Betreff\n\nText\n");
    CHECK_THROWS_WITH(Templates::load(dir.path),
                      Catch::Contains("no English template for match_found, zzz_custom"));
    // With the kinds known, one the notifier does not send is a misspelling.
    CHECK_THROWS_WITH(Templates::load(dir.path, {"digest", "match_found"}),
                      Catch::Contains("'zzz_custom' is not a kind the notifier sends"));
  }
  {
    // A language code outside the network's eight, or in capitals, would never be
    // used (outside findings: skipped in silence).
    TempDir dir;
    dir.write("digest.en.txt", "Subject\n\nBody\n");
    dir.write("digest.PL.txt", "Temat\n\nTekst\n");
    CHECK_THROWS_WITH(Templates::load(dir.path), Catch::Contains("'PL' is not one of"));
  }
  {
    // CRLF line ends are read as lines; a subject of blanks is no subject.
    TempDir dir;
    dir.write("digest.en.txt", "Subject\r\n\r\nBody {{count}}\r\n");
    auto loaded = Templates::load(dir.path);
    CHECK(loaded.has("digest"));
    dir.write("digest.en.txt", "   \n\nBody\n");
    CHECK_THROWS_WITH(Templates::load(dir.path), Catch::Contains("the first line is the subject"));
  }
  {
    // A subject and nothing after it would mail an empty body (outside findings: taken).
    TempDir dir;
    dir.write("digest.en.txt", "Subject only\n");
    CHECK_THROWS_WITH(Templates::load(dir.path),
                      Catch::Contains("digest.en.txt: has a subject but no body"));
    dir.write("digest.en.txt", "Subject\n\n  \n\n");
    CHECK_THROWS_WITH(Templates::load(dir.path), Catch::Contains("no body"));
  }
  {
    TempDir dir;
    dir.write("digest.en.txt", "Subject\n\n{{#items}}unclosed\n");
    CHECK_THROWS_WITH(Templates::load(dir.path), Catch::Contains("digest.en.txt"));
  }
  {
    TempDir dir;
    dir.write("digest.en.txt", "Subject {{/closing}}\n\nBody\n");
    CHECK_THROWS_WITH(Templates::load(dir.path), Catch::Contains("digest.en.txt"));
  }
  {
    TempDir dir;
    CHECK_THROWS_AS(Templates::load(dir.path), std::runtime_error);
  }
  CHECK_THROWS_AS(Templates::load("/nonexistent/gosmart/templates"), std::runtime_error);
}

TEST_CASE("HTML escapes what the text part keeps as it is", "[notifier]") {
  auto model = full_model();
  model["partner"]["title"] = "R&D <script>alert(\"x\")</script>";
  model["profile"]["title"] = "Tools & <Dies>";
  model["explanation"] = {"a < b & c"};
  for (const auto& language : kLanguages) {
    auto out = shipped().render("match_found", language, model, "UTC");
    INFO(language);
    CHECK(out.text.find("R&D <script>alert(\"x\")</script>") != std::string::npos);
    CHECK(out.text.find("a < b & c") != std::string::npos);
    CHECK(out.subject.find("Tools & <Dies>") != std::string::npos);
    CHECK(out.html.find("<script>") == std::string::npos);
    CHECK(out.html.find("<Dies>") == std::string::npos);
    CHECK(out.html.find("R&amp;D &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") !=
          std::string::npos);
    CHECK(out.html.find("a &lt; b &amp; c") != std::string::npos);
    CHECK(out.html.find("<title>") != std::string::npos);
  }
  // A digest's items are escaped too.
  auto digest_in = full_model();
  digest_in["items"][0]["subject"] = "<b>bold</b>";
  auto digest = shipped().render("digest", "en", digest_in, "UTC");
  CHECK(digest.text.find("<b>bold</b>") != std::string::npos);
  CHECK(digest.html.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);
}

TEST_CASE("a digest lists its items and says how many more there are", "[notifier]") {
  std::vector<PendingAlert> alerts;
  for (int i = 0; i < 53; ++i) {
    alerts.push_back({"match_found", "Item " + std::to_string(i), "", 1'000'000 * i, ""});
  }
  auto model = digest_model(alerts);
  model["links"] = {{"preferences", "https://n.example/p/TOKEN-P"}};
  auto en = shipped().render("digest", "en", model, "Europe/Helsinki");
  CHECK(en.subject == "GoSmart: 53 notifications");
  CHECK(en.text.find("* Item 52 (") < en.text.find("* Item 51 ("));
  CHECK(en.text.find("* Item 3 (") != std::string::npos);
  CHECK(en.text.find("* Item 2 (") == std::string::npos);
  CHECK(en.text.find("…and 3 more") != std::string::npos);
  CHECK(en.text.find("TOKEN-P") != std::string::npos);
  auto pl = shipped().render("digest", "pl", model, "Europe/Warsaw");
  CHECK(pl.subject == "GoSmart: 53 powiadomienia");
  CHECK(pl.text.find("…i jeszcze 3") != std::string::npos);
  // All listed: no "more" line in any language.
  auto few = digest_model({{"match_found", "Only", "", 5, ""}});
  for (const auto& language : kLanguages) {
    auto out = shipped().render("digest", language, few, "UTC");
    INFO(language << "\n" << out.text);
    CHECK(out.text.find("* Only (") != std::string::npos);
    CHECK(out.text.find("…") == std::string::npos);
    CHECK(out.text.find(" \n") == std::string::npos);  // no empty item line
    CHECK(out.text.find("\n\n\n") == std::string::npos);
  }
}

TEST_CASE("link pages speak the reader's language from Accept-Language, English otherwise",
          "[notifier]") {
  CHECK(page_language("") == "en");
  CHECK(page_language("pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7") == "pl");
  CHECK(page_language("fr-FR, fr;q=0.9, de;q=0.5, fi;q=0.6") == "fi");  // highest q
  CHECK(page_language("et, lv") == "et");                               // order on a tie
  CHECK(page_language("LT") == "lt");
  CHECK(page_language("da;q=0, sv") == "en");  // q=0 refuses; sv is not ours
  CHECK(page_language("de;q=abc") == "en");
  CHECK(page_language("*") == "en");
  // Every language has every text, and a text's {} is filled.
  for (const char* language : {"en", "pl", "fi", "da", "de", "lv", "et", "lt"}) {
    for (int t = 0; t <= static_cast<int>(PageText::renewed_body); ++t) {
      auto text = page_text(static_cast<PageText>(t), language, "2027-01-05");
      CHECK_FALSE(text.empty());
      CHECK(text.find("{}") == std::string::npos);
    }
    CHECK(page_text(PageText::renewed_body, language, "2027-01-05").find("2027-01-05") !=
          std::string::npos);
  }
  CHECK(page_text(PageText::keep_body, "pl", days_text(365, "pl")) ==
        "Państwa profil pozostanie widoczny dla partnerów za granicą przez kolejne 365 dni od "
        "dziś.");
  CHECK(page_text(PageText::stop_button, "xx") == "Unsubscribe");
}
