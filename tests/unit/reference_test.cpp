// Reference data and small formats every service may check against (common/reference).
#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "common/reference/formats.hpp"
#include "common/reference/languages.hpp"
#include "common/reference/nace.hpp"
#include "common/reference/regions.hpp"
#include "common/reference/text.hpp"
#include "schemas/registry.capnp.h"

using namespace gosmart::reference;

TEST_CASE("NACE Rev.2 codes are checked against the real divisions groups and classes",
          "[reference]") {
  CHECK(is_nace_code("26.11"));
  CHECK(is_nace_code("62.0"));
  CHECK(is_nace_code("01"));
  CHECK(is_nace_code("99"));
  CHECK_FALSE(is_nace_code("04"));     // unused division
  CHECK_FALSE(is_nace_code("34.10"));  // unused division
  CHECK_FALSE(is_nace_code("00"));
  CHECK_FALSE(is_nace_code("C26.11"));
  CHECK_FALSE(is_nace_code("26.111"));
  CHECK_FALSE(is_nace_code("2611"));
  // Groups and classes must exist, not only their division (outside wave 3, L1).
  CHECK(is_nace_code("01.64"));
  CHECK(is_nace_code("28.9"));
  CHECK(is_nace_code("99.00"));
  CHECK(is_nace_code("12.00"));
  CHECK_FALSE(is_nace_code("26.99"));  // 26.9 is no group
  CHECK_FALSE(is_nace_code("26.9"));
  CHECK_FALSE(is_nace_code("01.20"));  // 01.2 has 01.21 to 01.29
  CHECK_FALSE(is_nace_code("62.04"));
  CHECK_FALSE(is_nace_code("99.9"));
  CHECK(nace_class_count() == 615);
  CHECK(nace_section(26) == 'C');
  CHECK(nace_section(62) == 'J');
  CHECK(nace_section(72) == 'M');
  CHECK(nace_section(85) == 'P');
}

TEST_CASE("ISO 639-1 codes come from Debian's iso-codes", "[reference]") {
  auto languages = LanguageCodes::from_iso_codes();
  CHECK(languages.size() > 150);
  for (const char* code : {"en", "pl", "fi", "da", "de", "lv", "et", "lt", "sv"}) {
    CHECK(languages.contains(code));
  }
  CHECK_FALSE(languages.contains("xx"));
  CHECK_FALSE(languages.contains("eng"));
  CHECK_THROWS(LanguageCodes::from_iso_codes("/nonexistent.json"));
}

TEST_CASE("small formats: NUTS 2, e-mail, web address, date", "[reference]") {
  CHECK(is_nuts2_for("PL91", "PL"));
  CHECK(is_nuts2_for("FI1B", "FI"));
  CHECK_FALSE(is_nuts2_for("PL9", "PL"));
  CHECK_FALSE(is_nuts2_for("DE30", "PL"));
  CHECK(is_email("anna.nowak@example.pl"));
  CHECK_FALSE(is_email("anna@localhost"));
  CHECK_FALSE(is_email("anna nowak@example.pl"));
  CHECK_FALSE(is_email("a@b@example.pl"));
  CHECK_FALSE(is_email("@example.pl"));
  // What no relay takes, found from outside (issue 13, L1): dots out of place, labels
  // over 63 characters or with edge hyphens, the percent hack.
  CHECK(is_email("o'brien+offers@sub-domain.example.ie"));
  CHECK_FALSE(is_email(".a@example.pl"));
  CHECK_FALSE(is_email("a.@example.pl"));
  CHECK_FALSE(is_email("a..b@example.pl"));
  CHECK_FALSE(is_email("a@-pl.example"));
  CHECK_FALSE(is_email("a@pl-.example"));
  CHECK_FALSE(is_email("a@" + std::string(64, 'x') + ".pl"));
  CHECK(is_email("a@" + std::string(63, 'x') + ".pl"));
  CHECK_FALSE(is_email("a%evil.test@example.pl"));
  CHECK(is_web_url("https://example.fi/about"));
  CHECK_FALSE(is_web_url("ftp://example.fi"));
  CHECK_FALSE(is_web_url("https://"));
  CHECK(is_iso_date("2028-02-29"));
  CHECK_FALSE(is_iso_date("2027-02-29"));
  CHECK_FALSE(is_iso_date("2027-13-01"));
  CHECK_FALSE(is_iso_date("27-01-01"));
}

TEST_CASE("ISO 3166-1 alpha-2 country codes are two upper-case letters", "[reference]") {
  CHECK(is_country_code("PL"));
  CHECK(is_country_code("FI"));
  CHECK_FALSE(is_country_code("pl"));
  CHECK_FALSE(is_country_code("POL"));
  CHECK_FALSE(is_country_code("P"));
  CHECK_FALSE(is_country_code("P1"));
  CHECK_FALSE(is_country_code(""));
}

TEST_CASE("Cap'n Proto text reads back as a string, readers and builders alike", "[reference]") {
  capnp::MallocMessageBuilder message;
  auto contact = message.initRoot<gosmart::wire::Contact>();
  contact.setName("Anna Nowak");
  CHECK(text_of(contact.getName()) == "Anna Nowak");
  CHECK(text_of(contact.asReader().getName()) == "Anna Nowak");
  CHECK(text_of(contact.asReader().getRole()).empty());
}
