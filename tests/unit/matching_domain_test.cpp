// Text analysis, NACE closeness, scoring, constraints and explanations of the
// matching service, on hand-built profiles.
#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "tests/unit/matching_fixture.hpp"

TEST_CASE("text is lower-cased, stemmed and folded for the network's languages", "[matching]") {
  Analyser analyser;
  CHECK(lower_utf8("ŁÓDŹ Straße ÆØÅ") == "łódź straße æøå");
  CHECK(fold_diacritics("łódź straße") == "lodz strasse");
  auto tokens = tokenize("Weld-inspection, 3D—printing; a");
  CHECK(tokens == std::vector<std::string>{"weld", "inspection", "3d", "printing"});
  // English stemming joins inflections; stop words go.
  CHECK(analyser.terms("the inspections of welded seams") ==
        std::vector<std::string>{"inspect", "weld", "seam"});
  CHECK(guess_language(tokenize("wir suchen einen Partner für die Produktion und den Vertrieb")) ==
        "de");
  CHECK(guess_language(tokenize("szukamy partnera do produkcji oraz dystrybucji w Polsce")) ==
        "pl");
  CHECK(guess_language(tokenize("robots")) == "en");
  // Polish has no Snowball stemmer in Xapian: a six-letter prefix, diacritics folded.
  auto polish = analyser.terms("szukamy partnerów do produkcji oraz dystrybucji");
  CHECK(std::find(polish.begin(), polish.end(), "partne") != polish.end());
  CHECK(std::find(polish.begin(), polish.end(), "produk") != polish.end());
  // Typed with or without diacritics, a German word gives one term.
  CHECK(analyser.term("Wärmepumpe", "de") == analyser.term("Warmepumpe", "de"));
  // Malformed UTF-8 does not throw and does not leak into terms.
  CHECK_NOTHROW(analyser.terms(std::string("ab\xff\xfe cd\xc3", 8)));
}

TEST_CASE("NACE codes are as close as the deepest level they share", "[matching]") {
  auto c = [](const char* x, const char* y) {
    return closeness(shared_level(*parse_nace(x), *parse_nace(y)));
  };
  CHECK(c("28.99", "28.99") == 1.0);
  CHECK(c("28.99", "28.92") == 0.75);
  CHECK(c("28.99", "28.1") == 0.5);
  CHECK(c("28", "28.99") == 0.5);
  CHECK(c("28.99", "25.11") == 0.25);  // both manufacturing (section C)
  CHECK(c("28.99", "62.01") == 0.0);
  CHECK_FALSE(parse_nace("99.9x"));
  CHECK_FALSE(parse_nace("04"));  // no such division
}

TEST_CASE("complementary profiles abroad score high, with an explanation", "[matching]") {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"advanced-manufacturing"},
         {"25.11"},
         {wire::CooperationType::TECHNICAL_COOPERATION}});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"advanced-manufacturing", "digital"},
         {"26.70"},
         {wire::CooperationType::TECHNICAL_COOPERATION, wire::CooperationType::LICENCE}});
  c.add({"TOPL2",
         "PL-2",
         "PL",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"advanced-manufacturing"},
         {"26.70"},
         {wire::CooperationType::TECHNICAL_COOPERATION}});
  c.add({"BODK1", "DK-1", "DK", Kind::BUSINESS_OFFER, kBakeryOffer, {"food"}, {"10.71"}});
  c.add({"TODE1", "DE-1", "DE", Kind::TECHNOLOGY_OFFER, kBakeryOffer, {"food"}, {"10.71"}});
  Scorer scorer(c.index, Weights{});

  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  auto found = find_partners(scorer, query);
  // The Finnish offer first; never the Polish one (same country) nor the bakery business
  // offer (not a complementary kind).
  auto names = ids(c, found);
  REQUIRE(!names.empty());
  CHECK(names.front() == "TOFI1");
  CHECK(std::find(names.begin(), names.end(), "TOPL2") == names.end());
  CHECK(std::find(names.begin(), names.end(), "BODK1") == names.end());
  const auto& best = found.front().score;
  CHECK(best.score > 0.5);
  // The bakery technology offer may be a candidate, far below.
  auto bakery = std::find(names.begin(), names.end(), "TODE1");
  CHECK((bakery == names.end() || found[bakery - names.begin()].score.score < best.score / 2));

  capnp::MallocMessageBuilder message;
  explain(scorer, c.doc("TRPL1"), c.doc("TOFI1"), best, message.initRoot<wire::Explanation>());
  auto explanation = message.getRoot<wire::Explanation>().asReader();
  REQUIRE(explanation.getSharedDomains().size() == 1);
  CHECK(std::string(explanation.getSharedDomains()[0]) == "advanced-manufacturing");
  REQUIRE(explanation.getNaceLinks().size() == 1);
  CHECK(std::string(explanation.getNaceLinks()[0].getLevel()) == "section");
  std::vector<std::string> terms;
  for (auto t : explanation.getSharedTerms()) terms.push_back(t.getTerm().cStr());
  CHECK(std::find(terms.begin(), terms.end(), "weld") != terms.end());
  CHECK(std::find(terms.begin(), terms.end(), "inspect") != terms.end());
  REQUIRE(explanation.getSharedCooperationTypes().size() == 1);
  CHECK(explanation.getSharedCooperationTypes()[0] == wire::CooperationType::TECHNICAL_COOPERATION);
  CHECK(explanation.getComponents().size() == kComponents);
  CHECK(explanation.getComponents()[0].getForward() == 1.0);   // all of A's domains shared
  CHECK(explanation.getComponents()[0].getBackward() == 0.5);  // half of B's
}

TEST_CASE("reciprocity: a pair is only as good as both directions allow", "[matching]") {
  Corpus c;
  // A's need is covered by B; B seeks something else entirely (its own domains).
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"advanced-manufacturing"},
         {"25.11"}});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer + " " + kBakeryOffer,
         {"advanced-manufacturing", "food", "health", "digital"},
         {"26.70", "10.71"}});
  Scorer scorer(c.index, Weights{});
  auto score = scorer.pair(c.doc("TRPL1"), c.doc("TOFI1"));
  CHECK(score.forward.total > score.backward.total);
  double f = score.forward.total, b = score.backward.total;
  CHECK(score.score == Approx(2 * f * b / (f + b)));
  CHECK(score.score < (f + b) / 2);  // the harmonic mean leans to the weaker side
}

TEST_CASE("hard rules exclude (target countries); preferences rank (partner types, cooperation)",
          "[matching]") {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"25.11"},
         {wire::CooperationType::LICENCE},
         {"DK"}});
  c.add({"TOFI1",
         "FI-1",
         "FI",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"}});  // in Finland, but PL asked for Denmark only
  c.add({"TODK1",
         "DK-1",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::DISTRIBUTION}});  // no cooperation type in common
  c.add({"TODK2",
         "DK-2",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::LICENCE},
         {},
         {wire::OrgType::UNIVERSITY}});
  // DK-2 wants a university: PL-1 is an SME.
  c.add({"TODK3",
         "DK-3",
         "DK",
         Kind::TECHNOLOGY_OFFER,
         kVisionOffer,
         {"manufacturing"},
         {"26.70"},
         {wire::CooperationType::LICENCE}});
  c.add({"RDRDE",
         "DE-1",
         "DE",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest,
         {"energy"},
         {"72.19"}});  // another research request: a consortium partner of RDRLT below
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  // Outside PL's target countries: never. A partner type or cooperation type that does
  // not fit only ranks lower (issue 12: preferences rank, rules exclude).
  auto ranked = ids(c, find_partners(scorer, query));
  REQUIRE(ranked.size() == 3);
  CHECK(ranked.front() == "TODK3");
  CHECK(std::find(ranked.begin(), ranked.end(), "TOFI1") == ranked.end());
  CHECK(std::find(ranked.begin(), ranked.end(), "TODK1") != ranked.end());
  CHECK(std::find(ranked.begin(), ranked.end(), "TODK2") != ranked.end());

  // A research request matches technology offers, and other research requests.
  c.add({"RDRLT",
         "LT-1",
         "LT",
         Kind::RESEARCH_PARTNER_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"72.19"}});
  query.doc = &c.doc("RDRLT");
  auto names = ids(c, find_partners(scorer, query));
  CHECK(std::find(names.begin(), names.end(), "TOFI1") != names.end());
  CHECK(std::find(names.begin(), names.end(), "RDRDE") != names.end());
}

TEST_CASE("a withdrawn profile leaves the index and its results", "[matching]") {
  Corpus c;
  c.add({"TRPL1", "PL-1", "PL", Kind::TECHNOLOGY_REQUEST, kVisionRequest, {"m"}, {"25.11"}});
  c.add({"TOFI1", "FI-1", "FI", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"m"}, {"26.70"}});
  Scorer scorer(c.index, Weights{});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  CHECK(find_partners(scorer, query).size() == 1);
  CHECK(c.index.remove("TOFI1"));
  CHECK_FALSE(c.index.remove("TOFI1"));
  query.doc = &c.doc("TRPL1");
  CHECK(find_partners(scorer, query).empty());
  CHECK(c.index.size() == 1);
  CHECK(c.index.profiles_of_owner("FI-1").empty());
}

TEST_CASE("weights move the ranking", "[matching]") {
  Corpus c;
  c.add({"TRPL1",
         "PL-1",
         "PL",
         Kind::TECHNOLOGY_REQUEST,
         kVisionRequest,
         {"manufacturing"},
         {"25.11"}});
  // Same words, other domain and sector | other words, same domain and class.
  c.add({"TOFI1", "FI-1", "FI", Kind::TECHNOLOGY_OFFER, kVisionOffer, {"food"}, {"10.71"}});
  c.add(
      {"TODK1", "DK-1", "DK", Kind::TECHNOLOGY_OFFER, kBakeryOffer, {"manufacturing"}, {"25.11"}});
  MatchQuery query;
  query.doc = &c.doc("TRPL1");
  Scorer by_text(c.index, Weights{0, 0, 1, 0, 0, 0, 0, 0});
  auto text_ranked = ids(c, find_partners(by_text, query));
  REQUIRE(!text_ranked.empty());
  CHECK(text_ranked.front() == "TOFI1");
  Scorer by_codes(c.index, Weights{0.5, 0.5, 0, 0, 0, 0, 0, 0});
  auto code_ranked = ids(c, find_partners(by_codes, query));
  REQUIRE(!code_ranked.empty());
  CHECK(code_ranked.front() == "TODK1");
}
