// Issue 12: preferences rank and explain, only marked requirements and the hard
// rules exclude; explanations add up to the score; research requests pair with each
// other and with organisations able to do the research; an empty result says why;
// expiry and freshness.
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <numeric>

#include "services/matching/domain/calendar.hpp"
#include "services/matching/domain/research_organisations.hpp"
#include "tests/unit/matching_fixture.hpp"

namespace {

// A request from PL and two equal offers from DK and FI; the FI owner is a
// university, the DK one an SME.
Corpus two_offers(std::vector<wire::Requirement> requirements = {}) {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"25.11"},
         {wire::CooperationType::LICENCE},
         {},
         {wire::OrgType::SME},
         wire::OrgType::SME,
         {"en"},
         std::move(requirements)});
  c.add({"TODK1",
         "DK-1",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::LICENCE}});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::LICENCE},
         {},
         {},
         wire::OrgType::UNIVERSITY});
  return c;
}

double component(wire::Explanation::Reader why, const std::string& name, bool forward) {
  for (auto c : why.getComponents()) {
    if (name == c.getName().cStr()) return forward ? c.getForward() : c.getBackward();
  }
  FAIL("no component " << name);
  return 0;
}

}  // namespace

TEST_CASE("a partner type sought but not met lowers the score and is explained", "[matching]") {
  auto c = two_offers();
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  auto found = find_partners(scorer, query);
  REQUIRE(ids(c, found) == std::vector<std::string>{"TODK1", "TOFI1"});
  CHECK(found[1].score.score < found[0].score.score);

  capnp::MallocMessageBuilder message;
  explain(scorer, c.doc("TRPL1"), c.doc("TOFI1"), found[1].score,
          message.initRoot<wire::Explanation>());
  auto why = message.getRoot<wire::Explanation>().asReader();
  CHECK(component(why, "partnerTypes", true) == 0.0);  // a university, not an SME
  REQUIRE(why.getUnmetPreferences().size() == 1);
  CHECK(std::string(why.getUnmetPreferences()[0]) ==
        "TRPL1 seeks sme; TOFI1's owner is university");

  // A large enterprise is the SME's own family: a partial fit, between the two.
  Corpus partial = two_offers();
  partial.add({"TODE1",
               "DE-1",
               "DE",
               Kind::TECHNOLOGY_OFFER,
               kVisionOffer,
               {"manufacturing"},
               {"26.70"},
               {wire::CooperationType::LICENCE},
               {},
               {},
               wire::OrgType::LARGE_ENTERPRISE});
  Scorer partial_scorer(partial.index, Weights{});
  query.doc = &partial.doc("TRPL1");
  CHECK(ids(partial, find_partners(partial_scorer, query)) ==
        std::vector<std::string>{"TODK1", "TODE1", "TOFI1"});
}

TEST_CASE("a preference marked as a requirement excludes", "[matching]") {
  auto c = two_offers({wire::Requirement::PARTNER_TYPES});
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  CHECK(ids(c, find_partners(scorer, query)) == std::vector<std::string>{"TODK1"});
  // Both ways: the university's offer does not see the request either.
  query.doc = &c.doc("TOFI1");
  CHECK(find_partners(scorer, query).empty());
  CHECK(scorer.excluded_by(c.doc("TOFI1"), c.doc("TRPL1")) == Rule::required_type);
}

TEST_CASE("an explanation's parts add up to the score shown", "[matching]") {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing", "digital"},
         {"25.11"},
         {wire::CooperationType::LICENCE},
         {},
         {wire::OrgType::UNIVERSITY}});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::LICENCE, wire::CooperationType::TECHNICAL_COOPERATION}});
  for (int i = 0; i < 3; ++i) {  // background, so that BM25 has statistics
    c.add({"BODK" + std::to_string(i),
           "DK-" + std::to_string(i),
           "DK",
           Kind::BUSINESS_OFFER,
           kBakeryOffer,
           {"food"},
           {"10.71"}});
  }
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  auto found = find_partners(scorer, query);
  REQUIRE(found.size() == 1);
  capnp::MallocMessageBuilder message;
  explain(scorer, c.doc("TRPL1"), c.doc("TOFI1"), found[0].score,
          message.initRoot<wire::Explanation>());
  auto why = message.getRoot<wire::Explanation>().asReader();
  double sum = 0, text = 0;
  for (auto component : why.getComponents()) {
    sum += component.getContribution();
    if (std::string(component.getName()) == "text") text = component.getContribution();
  }
  CHECK(sum == Approx(found[0].score.score).epsilon(1e-9));
  CHECK(text > 0);
  // Each listed term contributed; together no more than the text component.
  double terms = 0;
  REQUIRE(why.getSharedTerms().size() > 0);
  for (auto term : why.getSharedTerms()) {
    CHECK(term.getWeight() > 0);
    terms += term.getWeight();
  }
  CHECK(terms <= text + 1e-9);
  // With no more terms than the list holds, they are all of it.
  if (why.getSharedTerms().size() < 8) CHECK(terms == Approx(text).epsilon(1e-9));
}

TEST_CASE("research requests pair with research requests abroad", "[matching]") {
  Corpus c;
  c.add({"RDRPL",
         "PL-1",
         "PL",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"72.19"}});
  c.add({"RDRFI",
         "FI-1",
         "FI",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest + " Consortium.",
         {"manufacturing"},
         {"72.19"}});
  c.add({"RDRPL2",
         "PL-2",
         "PL",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"72.19"}});
  c.add({"TRDK",
         "DK-1",
         "DK",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"72.19"}});
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("RDRPL");
  // Not the Polish one (same country), not a technology request (seeks, offers nothing).
  CHECK(ids(c, find_partners(scorer, query)) == std::vector<std::string>{"RDRFI"});
}

TEST_CASE("an empty result says how many candidates each rule removed", "[matching]") {
  Corpus c;
  int32_t today = today_number();
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"25.11"},
         {},
         {"DK", "FI"}});
  c.add(
      {"TOPL2", "PL-2", "PL", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"manufacturing"}, {"26.70"}});
  c.add(
      {"TOPL3", "PL-3", "PL", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"manufacturing"}, {"26.70"}});
  c.add(
      {"TODE1", "DE-1", "DE", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"manufacturing"}, {"26.70"}});
  c.add({"TODK1",
         "DK-1",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {},
         {},
         {},
         wire::OrgType::SME,
         {"en"},
         {},
         "2020-01-31"});
  c.add({"TOFI1", "FI-1", "FI", Kind::TECHNOLOGY_OFFER, kBakeryOffer, {"food"}, {"10.71"}});
  c.add({"TOFI2",
         "FI-2",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         "Organic honey from forest beekeepers, sold in jars.",
         {"food"},
         {"01.49"}});
  c.add({"BODK1",
         "DK-2",
         "DK",
         Kind::BUSINESS_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"}});  // not a kind the request looks at: not counted
  Scorer scorer(c.index, Weights{});
  scorer.fix_today(today);
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  query.min_score = 0.3;
  REQUIRE(find_partners(scorer, query).empty());
  auto counts = exclusions(scorer, query);
  std::map<std::string, std::size_t> by_rule(counts.begin(), counts.end());

  CHECK(by_rule == std::map<std::string, std::size_t>{{"same country", 2},
                                                      {"outside target countries", 1},
                                                      {"expired", 1},
                                                      {"below threshold", 1},
                                                      {"nothing in common", 1}});
}

TEST_CASE("expiresOn is the last day matched; newer profiles rank a little higher", "[matching]") {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"25.11"}});
  c.add({"TODK1",
         "DK-1",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {},
         {},
         {},
         wire::OrgType::SME,
         {"en"},
         {},
         "2026-12-02",
         "2024-01-10"});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {},
         {},
         {},
         wire::OrgType::SME,
         {"en"},
         {},
         "2026-12-02",
         "2026-11-20"});
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  scorer.fix_today(*day_number("2026-12-02"));
  auto found = find_partners(scorer, query);
  REQUIRE(ids(c, found) == std::vector<std::string>{"TOFI1", "TODK1"});
  // A little: freshness weighs 0.01 of the direction's total.
  CHECK(found[0].score.score - found[1].score.score < 0.01);
  scorer.fix_today(*day_number("2026-12-03"));
  CHECK(find_partners(scorer, query).empty());
  CHECK(scorer.excluded_by(c.doc("TRPL1"), c.doc("TODK1")) == Rule::expired);
  CHECK(day_number("2026-02-30") == std::nullopt);
  CHECK(day_number("1970-01-02") == 1);
}

TEST_CASE("a research request finds organisations able to do the research, without a profile",
          "[matching]") {
  Corpus c;
  c.add({"RDRPL",
         "PL-1",
         "PL",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest,
         {"manufacturing", "photonics"},
         {"72.19"}});
  c.add(
      {"TOFI1", "FI-9", "FI", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"manufacturing"}, {"26.70"}});
  auto org = [&](const std::string& id, const std::string& country, wire::OrgType type,
                 std::vector<std::string> domains, const std::string& nace) {
    capnp::MallocMessageBuilder m;
    auto o = m.initRoot<wire::PublicOrganisation>();
    o.setId(id);
    o.setCountry(country);
    o.setType(type);
    auto d = o.initDomains(static_cast<unsigned>(domains.size()));
    for (unsigned i = 0; i < domains.size(); ++i) d.set(i, domains[i]);
    o.initNaceCodes(1).set(0, nace);
    return std::make_pair(able_to_research(o.asReader()), make_org_doc(c.index, o.asReader()));
  };
  auto university = org("FI-1", "FI", wire::OrgType::UNIVERSITY, {"manufacturing"}, "85.42");
  auto lab = org("DK-1", "DK", wire::OrgType::SME, {"manufacturing", "photonics"}, "72.19");
  auto home = org("PL-2", "PL", wire::OrgType::UNIVERSITY, {"manufacturing"}, "85.42");
  auto with_profile = org("FI-9", "FI", wire::OrgType::RESEARCH_INSTITUTE, {"photonics"}, "72.19");
  auto shop = org("DE-1", "DE", wire::OrgType::SME, {"manufacturing"}, "47.11");
  CHECK(university.first);
  CHECK(lab.first);  // an SME in NACE 72: research and development
  CHECK_FALSE(shop.first);
  std::vector<const OrgDoc*> able = {&university.second, &lab.second, &home.second,
                                     &with_profile.second};
  auto found = find_research_organisations(c.index, able, c.doc("RDRPL"), true, 10);
  REQUIRE(found.size() == 2);
  CHECK(found[0].org->id == "DK-1");  // both domains and the NACE class
  CHECK(found[1].org->id == "FI-1");
  capnp::MallocMessageBuilder explained;
  auto why = explained.initRoot<wire::Explanation>();
  explain_organisation(c.index, c.doc("RDRPL"), found[0], why);
  double sum = 0;
  for (auto part : why.asReader().getComponents()) sum += part.getContribution();
  CHECK(sum == Approx(found[0].score));
  CHECK(why.asReader().getSharedDomains().size() == 2);
}
