// Registries and matching services of three countries on loopback: publications
// flow registry -> peers -> each node's matching, which finds transnational matches,
// explains them, retracts them on withdrawal, and (when the node wants it) holds
// them for a broker's decision.
#include <catch2/catch.hpp>
#include <functional>

#include "services/matching/matching.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using Kind = wire::ProfileKind;

namespace {

std::string register_org(Federation& f, const std::string& country, const std::string& region) {
  auto reply = f.call<wire::OrgWrite>(country, f.broker, "registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry(country);
    org.setRegion(region);
    org.initDomains(1).set(0, "advanced-manufacturing");
  });
  REQUIRE(reply.header().type == "registry.org.reply");
  return reply.payload<wire::OrgReply>().getOrganisation().getId();
}

void transition(Federation& f, const std::string& country, const std::string& id,
                wire::ProfileTransition::Action action) {
  auto reply = f.call<wire::ProfileTransition>(country, f.broker, "registry.profile.transition",
                                               [&](auto t) {
                                                 t.setProfileId(id);
                                                 t.setAction(action);
                                               });
  REQUIRE(reply.header().type == "registry.profile.reply");
}

std::optional<wire::MatchState> match_state(Federation& f, const std::string& country,
                                            const std::string& match_id) {
  auto reply = f.call<wire::MatchGet>(country, f.watcher, "matching.match.get",
                                      [&](auto g) { g.setMatchId(match_id); });
  if (reply.header().type != "matching.match.reply") return std::nullopt;
  return reply.payload<wire::MatchReply>().getMatch().getState();
}

double indexed(Federation& f, const std::string& country) {
  ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at(country).matching.api, f.key(country), 1s);
  return health ? health->metric("matching.index_profiles") : -1;
}

const char* kRequestTitle = "Machine vision for weld inspection";
const char* kRequestSummary =
    "We need an automated optical inspection system that finds defects in welded seams of "
    "steel frames on our production line.";
const char* kOfferTitle = "Optical weld inspection with machine vision";
const char* kOfferSummary =
    "Our camera system detects seam defects automatically, for steel fabrication and "
    "production lines.";

}  // namespace

TEST_CASE("a PL technology request matches the FI offer, not the PL one, until withdrawn",
          "[system][matching]") {
  Federation f({"PL", "FI", "DK"}, true);
  auto pl_org = register_org(f, "PL", "PL63");
  auto pl_other = register_org(f, "PL", "PL91");
  auto fi_org = register_org(f, "FI", "FI1B");
  auto fi_offer = publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  auto pl_offer = publish(f, "PL", pl_other, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  REQUIRE(eventually([&] { return indexed(f, "PL") == 2 && indexed(f, "FI") == 2; }, 15s));
  auto pl_request =
      publish(f, "PL", pl_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);

  auto with_fi = matching::match_id(pl_request, fi_offer);
  auto with_pl = matching::match_id(pl_request, pl_offer);
  // PL's matching announces the transnational pair; FI's too (its own offer is a side).
  REQUIRE(eventually([&] { return match_state(f, "PL", with_fi) == wire::MatchState::ANNOUNCED; },
                     15s));
  REQUIRE(eventually([&] { return match_state(f, "FI", with_fi) == wire::MatchState::ANNOUNCED; },
                     15s));
  CHECK_FALSE(match_state(f, "PL", with_pl).has_value());  // same country: never a match
  // DK has no side in it: its matching records nothing about the pair.
  REQUIRE(eventually([&] { return indexed(f, "DK") == 3; }, 15s));
  CHECK_FALSE(match_state(f, "DK", with_fi).has_value());

  // Partners with explanations through the api; a monitor may ask.
  auto partners = f.call<wire::PartnersRequest>("PL", f.watcher, "matching.partners", [&](auto r) {
    r.setProfileId(pl_request);
    r.setLimit(5);
  });
  REQUIRE(partners.header().type == "matching.partners.reply");
  auto found = partners.payload<wire::PartnersReply>().getMatches();
  REQUIRE(found.size() == 1);
  CHECK(std::string(found[0].getB().getProfileId()) == fi_offer);
  CHECK(std::string(found[0].getB().getCountry()) == "FI");
  CHECK(found[0].getScore() > 0.3);
  auto why = found[0].getExplanation();
  REQUIRE(why.getSharedDomains().size() == 1);
  CHECK(std::string(why.getSharedDomains()[0]) == "advanced-manufacturing");
  REQUIRE(why.getNaceLinks().size() == 1);
  CHECK(std::string(why.getNaceLinks()[0].getLevel()) == "class");
  std::set<std::string> terms;
  for (auto t : why.getSharedTerms()) terms.insert(t.getTerm());
  CHECK(terms.count("weld"));
  CHECK(terms.count("inspect"));
  // A replica carries no owner name: neither does a match.
  CHECK(partners.bytes().size() > 0);
  std::string bytes(reinterpret_cast<const char*>(partners.bytes().data()),
                    partners.bytes().size());
  CHECK(bytes.find("Optika") == std::string::npos);

  // A free search, and bad input refused with the field named.
  auto search = f.call<wire::SearchRequest>("PL", f.watcher, "matching.search", [](auto s) {
    s.setText("weld seam inspection camera");
    s.initCountries(1).set(0, "FI");
  });
  REQUIRE(search.header().type == "matching.partners.reply");
  auto hits = search.payload<wire::PartnersReply>().getMatches();
  REQUIRE(hits.size() >= 1);
  CHECK(std::string(hits[0].getB().getProfileId()) == fi_offer);
  auto bad = f.call<wire::SearchRequest>("PL", f.watcher, "matching.search",
                                         [](auto s) { s.initNaceCodes(1).set(0, "26.777"); });
  REQUIRE(bad.header().type == "error");
  CHECK(std::string(bad.payload<wire::Error>().getField()) == "naceCodes[0]");
  // An enum number no schema version names (found by the fuzzer: it indexed past the
  // postings of the five kinds).
  auto bad_kind = f.call<wire::SearchRequest>("PL", f.watcher, "matching.search", [](auto s) {
    s.setText("weld seam inspection camera");
    auto kinds = s.initKinds(2);
    kinds.set(0, wire::ProfileKind::TECHNOLOGY_OFFER);
    kinds.set(1, static_cast<wire::ProfileKind>(253));
  });
  REQUIRE(bad_kind.header().type == "error");
  CHECK(std::string(bad_kind.payload<wire::Error>().getField()) == "kinds[1]");
  // Bounded lists of real values (outside wave 4): a country outside the federation,
  // an empty keyword, more entries than a person would type.
  auto field_of_error = [&](const std::function<void(wire::SearchRequest::Builder)>& fill) {
    auto reply = f.call<wire::SearchRequest>("PL", f.watcher, "matching.search", fill);
    return reply.header().type == "error" ? std::string(reply.payload<wire::Error>().getField())
                                          : std::string("(accepted)");
  };
  CHECK(field_of_error([](auto s) {
          s.setText("weld seam inspection camera");
          auto countries = s.initCountries(2);
          countries.set(0, "FI");
          countries.set(1, "US");
        }) == "countries[1]");
  CHECK(field_of_error([](auto s) { s.initKeywords(1).set(0, ""); }) == "keywords[0]");
  CHECK(field_of_error([](auto s) {
          auto keywords = s.initKeywords(51);
          for (unsigned i = 0; i < 51; ++i) keywords.set(i, "laser");
        }) == "keywords");

  // Withdrawal retracts the match on both nodes.
  transition(f, "PL", pl_request, wire::ProfileTransition::Action::WITHDRAW);
  CHECK(eventually([&] { return match_state(f, "PL", with_fi) == wire::MatchState::RETRACTED; },
                   15s));
  CHECK(eventually([&] { return match_state(f, "FI", with_fi) == wire::MatchState::RETRACTED; },
                   15s));
  CHECK(eventually([&] { return indexed(f, "PL") == 2; }, 15s));

  // A restarted matching service rebuilds its index from its store.
  f.matchers.at("PL")->kill_hard();
  f.start_matching("PL");
  f.await_matching("PL");
  CHECK(eventually([&] { return indexed(f, "PL") == 2; }, 15s));
  CHECK(match_state(f, "PL", with_fi) == wire::MatchState::RETRACTED);
}

TEST_CASE("with broker approval, matches wait in the queue until a broker decides",
          "[system][matching]") {
  Federation f({"PL", "FI"}, true, "[matching]\nbroker_approval = true\n");
  auto pl_org = register_org(f, "PL", "PL63");
  auto fi_org = register_org(f, "FI", "FI1B");
  auto fi_offer = publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  REQUIRE(eventually([&] { return indexed(f, "PL") == 1; }, 15s));
  auto pl_request =
      publish(f, "PL", pl_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);
  auto id = matching::match_id(pl_request, fi_offer);
  REQUIRE(eventually([&] { return match_state(f, "PL", id) == wire::MatchState::PENDING_APPROVAL; },
                     15s));

  auto queue = f.call<wire::QueueRequest>("PL", f.watcher, "matching.queue", [](auto) {});
  REQUIRE(queue.header().type == "matching.queue.reply");
  REQUIRE(queue.payload<wire::QueueReply>().getMatches().size() == 1);
  CHECK(std::string(queue.payload<wire::QueueReply>().getMatches()[0].getId()) == id);

  // A monitor may look, not decide.
  auto by_monitor = f.call<wire::MatchDecision>("PL", f.watcher, "matching.decide", [&](auto d) {
    d.setMatchId(id);
    d.setApprove(true);
  });
  REQUIRE(by_monitor.header().type == "error");
  CHECK(by_monitor.payload<wire::Error>().getCode() == wire::ErrorCode::NOT_AUTHORISED);

  // The broker's decision, sent twice under one message id (a client retrying after
  // a lost reply): the retry gets the first reply, not a conflict (issue 11, D9).
  EnvelopeBuilder decision("PL", wire::Service::CTL, "matching.decide");
  auto decide = decision.init_payload<wire::MatchDecision>();
  decide.setMatchId(id);
  decide.setApprove(true);
  decide.setComment("good fit, both export already");
  auto decision_bytes = decision.encode();
  ApiClient broker_client(f.broker.keys);
  std::vector<std::string> answers;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto replies =
        broker_client.exchange(f.nodes.at("PL").matching.api, f.key("PL"), {decision_bytes}, 5s);
    REQUIRE(replies.size() == 1);
    answers.push_back(replies[0]);
  }
  auto decode = [](const std::string& bytes) {
    auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    REQUIRE(d.ok());
    return std::move(d).value();
  };
  auto approved = decode(answers[0]);
  REQUIRE(approved.header().type == "matching.match.reply");
  CHECK(answers[1] == answers[0]);
  auto match = approved.payload<wire::MatchReply>().getMatch();
  CHECK(match.getState() == wire::MatchState::ANNOUNCED);
  CHECK(std::string(match.getDecidedBy()) == "broker:broker");
  CHECK(match_state(f, "PL", id) == wire::MatchState::ANNOUNCED);
  auto again = f.call<wire::MatchDecision>("PL", f.broker, "matching.decide", [&](auto d) {
    d.setMatchId(id);
    d.setApprove(false);
  });
  REQUIRE(again.header().type == "error");
  CHECK(again.payload<wire::Error>().getCode() == wire::ErrorCode::CONFLICT);
  auto empty = f.call<wire::QueueRequest>("PL", f.broker, "matching.queue", [](auto) {});
  CHECK(empty.payload<wire::QueueReply>().getMatches().size() == 0);
}
