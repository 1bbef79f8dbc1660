#include <catch2/catch.hpp>
#include <sstream>

#include "common/envelope/envelope.hpp"
#include "common/store/capnp_value.hpp"
#include "schemas/registry.capnp.h"
#include "tools/import/import_run.hpp"
#include "tools/import/jsonl_records.hpp"

using namespace gosmart;

TEST_CASE("a JSON line becomes one registry request", "[import]") {
  auto org = import::parse_line(
      R"({"ref":"legacy-1","organisation":{"legalName":"Bałtyk Robotics","type":"sme",)"
      R"("headcount":8,"naceCodes":["28.99"],"contacts":[{"name":"Ewa","email":"ewa@b.example.pl"}]}})",
      1);
  REQUIRE(org.ok());
  CHECK(org.value().kind == import::RecordKind::organisation);
  CHECK(org.value().ref == "legacy-1");
  auto stored = store::StoredValue<wire::Organisation>::parse(org.value().payload);
  REQUIRE(stored.has_value());
  CHECK(std::string(stored->get().getLegalName()) == "Bałtyk Robotics");
  CHECK(stored->get().getType() == wire::OrgType::SME);
  CHECK(std::string(stored->get().getContacts()[0].getEmail()) == "ewa@b.example.pl");
  auto request = import::request_for(org.value(), "PL");
  auto decoded =
      decode_envelope({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
  REQUIRE(decoded.ok());
  CHECK(decoded.value().header().type == "registry.org.register");

  auto profile = import::parse_line(
      R"({"ownerRef":"legacy-1","publish":true,"profile":{"kind":"businessRequest","title":"T"}})",
      2);
  REQUIRE(profile.ok());
  CHECK(profile.value().publish);
  auto submit = import::request_for(profile.value(), "PL", "PL-000007");
  auto sd = decode_envelope({reinterpret_cast<const uint8_t*>(submit.data()), submit.size()});
  CHECK(std::string(sd.value().payload<wire::ProfileWrite>().getProfile().getOwnerId()) ==
        "PL-000007");
}

TEST_CASE("a contact's consent and preferences come in on the line; times as numbers or text",
          "[import]") {
  // The example of tools/gosmartctl/README.md "Import lines".
  for (const char* granted : {"1767225600000000", "\"1767225600000000\""}) {
    auto line = std::string(R"({"ref":"k-1","organisation":{"legalName":"Kaunas Optics UAB",)") +
                R"("type":"sme","contacts":[{"name":"Rūta","email":"ruta@optics.example.lt",)" +
                R"("preferredLanguage":"lt","alertRhythm":"daily","consents":[{"purpose":)" +
                R"("notifications","textVersion":"2026-01","channel":"email","grantedAtUs":)" +
                granted + "}]}]}}";
    auto org = import::parse_line(line, 1);
    INFO(line);
    REQUIRE(org.ok());
    auto stored = store::StoredValue<wire::Organisation>::parse(org.value().payload);
    REQUIRE(stored.has_value());
    auto contact = stored->get().getContacts()[0];
    CHECK(std::string(contact.getAlertRhythm()) == "daily");
    CHECK(contact.getConsents()[0].getGrantedAtUs() == 1767225600000000);
  }
  // Two runs of one file ask the same: the registry answers the second from its
  // kept replies (the message id is made from the line).
  auto line = import::parse_line(R"({"organisation":{"legalName":"A","type":"sme"}})", 1);
  REQUIRE(line.ok());
  auto id_of = [](const std::string& request) {
    auto decoded =
        decode_envelope({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
    REQUIRE(decoded.ok());
    return decoded.value().header().message_id;
  };
  CHECK(id_of(import::request_for(line.value(), "PL")) ==
        id_of(import::request_for(line.value(), "PL")));
  CHECK(id_of(import::request_for(line.value(), "PL")) !=
        id_of(import::request_for(line.value(), "LT")));
}

TEST_CASE("bad lines say what is wrong, down to the field", "[import]") {
  auto field_of = [](std::string_view line) {
    auto r = import::parse_line(line, 1);
    REQUIRE_FALSE(r.ok());
    return r.error().field;
  };
  CHECK(import::parse_line("{not json", 1).error().code == ErrorCode::MALFORMED);
  CHECK(import::parse_line("[1,2]", 1).error().code == ErrorCode::MALFORMED);
  // A number no double holds is a bad line, not an exception out of the import
  // (found by tests/fuzz/jsonl_import_fuzz.cpp; seed jsonl_import/07-wrong-types).
  CHECK(import::parse_line(R"({"organisation":{"headcount":1e400}})", 1).error().code ==
        ErrorCode::MALFORMED);
  CHECK(field_of(R"({"organisation":{"legalName":"X","bogus":1}})") == "organisation.bogus");
  CHECK(field_of(R"({"organisation":{"contacts":[{"name":"A","mail":"x"}]}})") ==
        "organisation.contacts[0].mail");
  // A value of the wrong type names its field and says what is wanted (issue 11,
  // D15: the whole record was named before).
  auto fault_of = [](std::string_view line) {
    auto r = import::parse_line(line, 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::INVALID_FIELD);
    return r.error().field + ": " + r.error().message;
  };
  CHECK(fault_of(R"({"organisation":{"type":"giant"}})").rfind("organisation.type: one of ", 0) ==
        0);
  CHECK(fault_of(R"({"profile":{"trl":"high"}})") == "profile.trl: a whole number from 0 to 255");
  CHECK(fault_of(R"({"profile":{"trl":300}})") == "profile.trl: a whole number from 0 to 255");
  CHECK(fault_of(R"({"profile":{"title":5}})") == "profile.title: must be a string");
  CHECK(fault_of(R"({"profile":{"keywords":"lasers"}})") == "profile.keywords: must be a list");
  CHECK(fault_of(R"({"profile":{"keywords":["lasers",7]}})") ==
        "profile.keywords[1]: must be a string");
  CHECK(fault_of(R"({"organisation":{"contacts":[{"name":"A","consents":"yes"}]}})")
            .rfind("organisation.contacts[0].consents: ", 0) == 0);
  CHECK(fault_of(R"({"organisation":{"headcount":-3}})").rfind("organisation.headcount: ", 0) == 0);
  // A 64-bit unsigned field says so for a negative number or a string that is no
  // number (outside wave 3: the codec's own words came through before).
  CHECK(fault_of(R"({"organisation":{"turnoverEur":-5}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"turnoverEur":"-5"}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"turnoverEur":"12k"}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"turnoverEur":"99999999999999999999"}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"turnoverEur":1e6}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"turnoverEur":"1e6"}})") ==
        "organisation.turnoverEur: must be a whole number from 0");
  CHECK(fault_of(R"({"organisation":{"balanceSheetEur":-1}})") ==
        "organisation.balanceSheetEur: must be a whole number from 0");
  // A null is refused wherever it stands (outside wave 4): it would become 0, "" or
  // a default silently.
  const std::string leave_out = "must be a value, not null (leave the field out instead)";
  CHECK(fault_of(R"({"organisation":{"headcount":null}})") ==
        "organisation.headcount: " + leave_out);
  CHECK(fault_of(R"({"organisation":{"legalName":null}})") ==
        "organisation.legalName: " + leave_out);
  CHECK(fault_of(R"({"organisation":{"type":null}})") == "organisation.type: " + leave_out);
  CHECK(fault_of(R"({"profile":{"keywords":["lasers",null]}})") ==
        "profile.keywords[1]: " + leave_out);
  CHECK(fault_of(R"({"organisation":{"contacts":null}})") == "organisation.contacts: " + leave_out);
  CHECK(import::parse_line(R"({"organisation":{"turnoverEur":"1200000"}})", 1).ok());
  CHECK(import::parse_line(R"({"organisation":{"turnoverEur":1200000}})", 1).ok());
  // And a well-typed line still decodes.
  CHECK(import::parse_line(
            R"({"profile":{"trl":4,"keywords":["lasers"],"kind":"technologyOffer"}})", 1)
            .ok());
  CHECK(field_of(R"({"organisation":{},"profile":{}})") == "profile");
  CHECK(field_of(R"({"comment":"x","organisation":{}})") == "comment");
  CHECK(field_of(R"({"organisation":{},"publish":true})") == "publish");
  CHECK(field_of(R"({"profile":{},"ref":"x"})") == "ref");
  CHECK(field_of(R"({"profile":{},"publish":"yes"})") == "publish");
}

TEST_CASE("the import report: a line per input line, then the totals", "[import]") {
  import::ImportReport report;
  report.lines = {{1, "ok PL-000001"}, {3, "rejected: invalid_field: region: not in PL"}};
  report.organisations = 1;
  report.rejected = 1;
  std::ostringstream text;
  report.print(text);
  CHECK(text.str() ==
        "line 1: ok PL-000001\n"
        "line 3: rejected: invalid_field: region: not in PL\n"
        "imported 1 organisations and 0 profiles (0 published); rejected 1 lines\n");
  auto json = report.to_json();
  CHECK(json["organisations"] == 1);
  CHECK(json["rejected"] == 1);
  CHECK(json["lines"]["3"] == "rejected: invalid_field: region: not in PL");
}
