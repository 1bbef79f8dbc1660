// Three real registries (PL, FI, DK) on loopback, driven through their api sockets
// as a partner portal and a broker would.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <set>

#include "tests/support/eoi_helpers.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::Federation;
using testing::fill_org;
using testing::fill_profile;

namespace {

std::string error_field(const DecodedEnvelope& reply) {
  REQUIRE(reply.header().type == "error");
  return reply.payload<wire::Error>().getField();
}

wire::ErrorCode error_code(const DecodedEnvelope& reply) {
  REQUIRE(reply.header().type == "error");
  return reply.payload<wire::Error>().getCode();
}

// The type of a raw reply: a check that a secret is absent from it means nothing
// unless the reply is the one asked for (an empty or error reply holds no secret).
std::string type_of(const std::string& raw) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  return d.ok() ? d.value().header().type : "(no reply)";
}

}  // namespace

TEST_CASE("a profile published in PL is read in FI and DK without contact data",
          "[system][registry]") {
  Federation f({"PL", "FI", "DK"});

  auto registered = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register",
                                           [](auto w) { fill_org(w.initOrganisation()); });
  if (registered.header().type == "error") {
    FAIL(std::string(registered.payload<wire::Error>().getField()) + ": " +
         std::string(registered.payload<wire::Error>().getMessage()));
  }
  auto org = registered.payload<wire::OrgReply>().getOrganisation();
  std::string org_id = org.getId();
  CHECK(org_id == "PL-000001");
  CHECK(org.getSizeClass() == wire::SizeClass::SMALL);  // 24 staff, €3.5 M
  CHECK(org.getHelix() == wire::Helix::BUSINESS);

  // A bad request is refused with the field named, and changes nothing.
  auto bad = f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit", [&](auto w) {
    fill_profile(w.initProfile(), org_id);
    w.getProfile().getNaceCodes().set(0, "26.999");
  });
  CHECK(error_field(bad) == "naceCodes[0]");
  auto none = f.call<wire::ProfileQuery>("PL", f.broker, "registry.profile.list", [](auto) {});
  CHECK(none.payload<wire::ProfilePage>().getProfiles().size() == 0);

  auto submitted =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), org_id); });
  REQUIRE(submitted.header().type == "registry.profile.reply");
  std::string profile_id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  CHECK(profile_id.rfind("TOPL", 0) == 0);
  CHECK(profile_id.size() == 15);

  // Roles: the portal may not publish, the monitor may not submit.
  auto by_portal =
      f.call<wire::ProfileTransition>("PL", f.portal, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  CHECK(error_code(by_portal) == wire::ErrorCode::NOT_AUTHORISED);
  auto by_monitor =
      f.call<wire::ProfileWrite>("PL", f.watcher, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), org_id); });
  CHECK(error_code(by_monitor) == wire::ErrorCode::NOT_AUTHORISED);
  // Another partner's portal does not act for this organisation, nor sees its contacts.
  auto by_other =
      f.call<wire::ProfileWrite>("PL", f.other_portal, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), org_id); });
  CHECK(error_code(by_other) == wire::ErrorCode::NOT_AUTHORISED);
  auto other_view = f.call_raw<wire::OrgGet>("PL", f.other_portal, "registry.org.get",
                                             [&](auto g) { g.setId(org_id); });
  CHECK(type_of(other_view) == "registry.org.reply");
  CHECK(other_view.find("anna.nowak") == std::string::npos);

  // Not yet published: peers know nothing of it.
  auto published =
      f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  REQUIRE(published.header().type == "registry.profile.reply");
  CHECK(published.payload<wire::ProfileReply>().getProfile().getStatus() ==
        wire::ProfileStatus::PUBLISHED);

  for (const char* peer : {"FI", "DK"}) {
    std::string raw;
    REQUIRE(testing::eventually(
        [&] {
          raw = f.call_raw<wire::ProfileGet>(peer, f.broker, "registry.profile.get",
                                             [&](auto g) { g.setId(profile_id); });
          auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
          return d.ok() && d.value().header().type == "registry.profile.reply";
        },
        10s));
    auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}).value();
    auto replica = d.payload<wire::ProfileReply>().getProfile();
    CHECK(replica.getStatus() == wire::ProfileStatus::PUBLISHED);
    CHECK(std::string(replica.getTitle()) == "Anti-reflective coatings for thermal cameras");
    // No personal data and no name crossed the border: not anywhere in the bytes.
    CHECK(raw.find("anna.nowak") == std::string::npos);
    auto orgs = f.call_raw<wire::OrgQuery>(peer, f.broker, "registry.org.list",
                                           [](auto q) { q.setCountry("PL"); });
    CHECK(orgs.find("PL-000001") != std::string::npos);
    CHECK(orgs.find("anna.nowak") == std::string::npos);
    CHECK(orgs.find("Anna Nowak") == std::string::npos);
    CHECK(orgs.find("Optika") == std::string::npos);  // anonymous unless named
    // A page of profiles gives each one's owner, in the same order.
    auto page = f.call<wire::ProfileQuery>(peer, f.broker, "registry.profile.list",
                                           [](auto q) { q.setCountry("PL"); });
    auto listed = page.payload<wire::ProfilePage>();
    REQUIRE(listed.getProfiles().size() == 1);
    REQUIRE(listed.getOwners().size() == 1);
    CHECK(std::string(listed.getOwners()[0].getId()) == org_id);
    CHECK(std::string(listed.getOwners()[0].getCountry()) == "PL");
    CHECK(listed.getOwners()[0].getSizeClass() == wire::SizeClass::SMALL);
    CHECK(listed.getOwners()[0].getLegalName().size() == 0);
  }
  auto own_page = f.call<wire::ProfileQuery>("PL", f.broker, "registry.profile.list", [](auto) {});
  REQUIRE(own_page.payload<wire::ProfilePage>().getOwners().size() == 1);
  CHECK(std::string(own_page.payload<wire::ProfilePage>().getOwners()[0].getId()) == org_id);

  // The home node keeps the contacts, but not for monitors.
  auto home = f.call_raw<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                       [&](auto g) { g.setId(org_id); });
  CHECK(home.find("anna.nowak@optika.example.pl") != std::string::npos);
  auto watched = f.call_raw<wire::OrgGet>("PL", f.watcher, "registry.org.get",
                                          [&](auto g) { g.setId(org_id); });
  CHECK(type_of(watched) == "registry.org.reply");
  CHECK(watched.find("anna.nowak") == std::string::npos);

  // A withdrawal reaches the replicas.
  auto withdrawn =
      f.call<wire::ProfileTransition>("PL", f.portal, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::WITHDRAW);
      });
  REQUIRE(withdrawn.header().type == "registry.profile.reply");
  for (const char* peer : {"FI", "DK"}) {
    CHECK(testing::eventually(
        [&] {
          auto d = f.call<wire::ProfileGet>(peer, f.broker, "registry.profile.get",
                                            [&](auto g) { g.setId(profile_id); });
          return d.header().type == "registry.profile.reply" &&
                 d.payload<wire::ProfileReply>().getProfile().getStatus() ==
                     wire::ProfileStatus::WITHDRAWN;
        },
        10s));
  }
}

TEST_CASE("an erased organisation is gone from every registry", "[system][registry]") {
  Federation f({"PL", "FI", "DK"});
  auto registered = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register",
                                           [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(registered.header().type == "registry.org.reply");
  std::string org_id = registered.payload<wire::OrgReply>().getOrganisation().getId();
  auto submitted =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), org_id); });
  std::string profile_id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
    t.setProfileId(profile_id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
  });
  auto replicated = [&](const char* peer) {
    auto d = f.call<wire::ProfileGet>(peer, f.broker, "registry.profile.get",
                                      [&](auto g) { g.setId(profile_id); });
    return d.header().type == "registry.profile.reply";
  };
  REQUIRE(testing::eventually([&] { return replicated("FI") && replicated("DK"); }, 10s));

  // Only brokers erase.
  auto by_portal = f.call<wire::OrgErase>("PL", f.portal, "registry.org.erase",
                                          [&](auto e) { e.setId(org_id); });
  CHECK(error_code(by_portal) == wire::ErrorCode::NOT_AUTHORISED);

  auto erased = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [&](auto e) {
    e.setId(org_id);
    // Free text may name a person: it must not reach the service log.
    e.setReason("GDPR art. 17 request of 2026-11-30 by Ms Reason-Q7X3Z9");
  });
  REQUIRE(erased.header().type == "registry.org.erased.reply");
  CHECK(erased.payload<wire::OrgErasedReply>().getProfilesWithdrawn().size() == 1);
  std::ifstream log_file(f.dir.path() / "PL.log");
  std::string log((std::istreambuf_iterator<char>(log_file)), {});
  CHECK(log.find("erased " + org_id) != std::string::npos);  // the right log, and written
  CHECK(log.find("Reason-Q7X3Z9") == std::string::npos);

  auto home =
      f.call<wire::OrgGet>("PL", f.broker, "registry.org.get", [&](auto g) { g.setId(org_id); });
  CHECK(error_code(home) == wire::ErrorCode::NOT_FOUND);
  auto home_profile = f.call<wire::ProfileGet>("PL", f.broker, "registry.profile.get",
                                               [&](auto g) { g.setId(profile_id); });
  CHECK(error_code(home_profile) == wire::ErrorCode::NOT_FOUND);
  auto again = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase",
                                      [&](auto e) { e.setId(org_id); });
  CHECK(error_code(again) == wire::ErrorCode::CONFLICT);

  for (const char* peer : {"FI", "DK"}) {
    CHECK(testing::eventually([&] { return !replicated(peer); }, 10s));
    auto orgs = f.call_raw<wire::OrgQuery>(peer, f.broker, "registry.org.list",
                                           [](auto q) { q.setCountry("PL"); });
    CHECK(type_of(orgs) == "registry.org.page");
    CHECK(orgs.find(org_id) == std::string::npos);
  }
  // A new profile for the erased organisation is refused.
  auto orphan = f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit",
                                           [&](auto w) { fill_profile(w.initProfile(), org_id); });
  CHECK(error_code(orphan) == wire::ErrorCode::CONFLICT);
}

TEST_CASE("a registry refuses another country's organisations and foreign ids",
          "[system][registry]") {
  Federation f({"PL"});
  auto foreign = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register", [](auto w) {
    fill_org(w.initOrganisation());
    w.getOrganisation().setCountry("FI");
  });
  CHECK(error_field(foreign) == "country");
  auto missing = f.call<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                      [](auto g) { g.setId("PL-999999"); });
  CHECK(error_code(missing) == wire::ErrorCode::NOT_FOUND);
  auto orphan = f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit", [](auto w) {
    fill_profile(w.initProfile(), "PL-000077");
  });
  CHECK(error_field(orphan) == "ownerId");
  auto peer_call = f.call<wire::OrgGet>("PL", f.broker, "registry.org.get",
                                        [](auto g) { g.setId("PL-000001"); });
  CHECK(error_code(peer_call) == wire::ErrorCode::NOT_FOUND);
}

namespace {

std::string eoi_status_of(Federation& f, const std::string& country, const std::string& id,
                          std::string* raw = nullptr) {
  auto bytes =
      f.call_raw<wire::EoiGet>(country, f.broker, "registry.eoi.get", [&](auto g) { g.setId(id); });
  if (raw) *raw = bytes;
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!d || d.value().header().type != "registry.eoi.reply") return "none";
  return std::to_string(static_cast<int>(d.value().payload<wire::EoiReply>().getEoi().getStatus()));
}

std::string status_code(wire::EoiStatus status) {
  return std::to_string(static_cast<int>(status));
}

}  // namespace

TEST_CASE("an expression of interest makes the round trip; contacts only after acceptance",
          "[system][registry]") {
  Federation f({"PL", "FI", "DK"});
  auto pl_org = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  std::string owner_id = pl_org.payload<wire::OrgReply>().getOrganisation().getId();
  auto submitted =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), owner_id); });
  std::string profile_id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
    t.setProfileId(profile_id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
  });
  auto fi_org = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Lumo Imaging Oy");
    org.getContacts()[0].setName("Mikko Virtanen");
    org.getContacts()[0].setEmail("mikko.virtanen@lumo.example.fi");
  });
  std::string sender_id = fi_org.payload<wire::OrgReply>().getOrganisation().getId();
  REQUIRE(testing::eventually(
      [&] {
        auto d = f.call<wire::ProfileGet>("FI", f.broker, "registry.profile.get",
                                          [&](auto g) { g.setId(profile_id); });
        return d.header().type == "registry.profile.reply";
      },
      10s));

  auto send = [&](bool consent) {
    return f.call<wire::EoiSend>("FI", f.portal, "registry.eoi.send", [&](auto s) {
      s.setProfileId(profile_id);
      s.setSenderOrgId(sender_id);
      s.setMessage("We build thermal cameras and would license your coating.");
      s.setConsentToShare(consent);
    });
  };
  CHECK(error_field(send(false)) == "consentToShare");
  auto sent = send(true);
  REQUIRE(sent.header().type == "registry.eoi.reply");
  std::string eoi_id = sent.payload<wire::EoiReply>().getEoi().getId();
  CHECK(eoi_id == "FI-EOI-000001");
  CHECK(error_code(send(true)) == wire::ErrorCode::CONFLICT);  // one open per org and profile

  // Only registries deliver to registries.
  auto forged = f.call<wire::EoiPeerMessage>("PL", f.broker, "registry.eoi.deliver",
                                             [&](auto m) { m.initEoi().setId("FI-EOI-000099"); });
  CHECK(error_code(forged) == wire::ErrorCode::NOT_AUTHORISED);

  auto forwarded = status_code(wire::EoiStatus::FORWARDED);
  std::string pl_raw, fi_raw;
  REQUIRE(testing::eventually([&] { return eoi_status_of(f, "PL", eoi_id, &pl_raw) == forwarded; },
                              10s));
  REQUIRE(testing::eventually([&] { return eoi_status_of(f, "FI", eoi_id, &fi_raw) == forwarded; },
                              10s));
  CHECK(pl_raw.find("mikko.virtanen") == std::string::npos);
  CHECK(pl_raw.find("Lumo") == std::string::npos);
  CHECK(fi_raw.find("anna.nowak") == std::string::npos);

  // Only the owner's side answers.
  auto wrong_side = f.call<wire::EoiAnswer>("FI", f.broker, "registry.eoi.answer", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setAccept(true);
  });
  CHECK(error_code(wrong_side) == wire::ErrorCode::CONFLICT);
  auto accepted = f.call<wire::EoiAnswer>("PL", f.portal, "registry.eoi.answer", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setAccept(true);
  });
  REQUIRE(accepted.header().type == "registry.eoi.reply");

  auto accepted_code = status_code(wire::EoiStatus::ACCEPTED);
  REQUIRE(testing::eventually(
      [&] {
        return eoi_status_of(f, "FI", eoi_id, &fi_raw) == accepted_code &&
               fi_raw.find("anna.nowak@optika.example.pl") != std::string::npos;
      },
      10s));
  REQUIRE(testing::eventually(
      [&] {
        eoi_status_of(f, "PL", eoi_id, &pl_raw);
        return pl_raw.find("mikko.virtanen@lumo.example.fi") != std::string::npos;
      },
      10s));

  // Contacts are for those who act for the local party (found from outside: any
  // integration key read them): the portal managing it sees them, another portal and a
  // monitor see the EoI without them.
  auto eoi_as = [&](const testing::TestClient& who) {
    auto reply =
        f.call<wire::EoiGet>("PL", who, "registry.eoi.get", [&](auto g) { g.setId(eoi_id); });
    REQUIRE(reply.header().type == "registry.eoi.reply");
    auto eoi = reply.payload<wire::EoiReply>().getEoi();
    return std::string(eoi.getSenderContact().getEmail()) + "|" +
           std::string(eoi.getOwnerContact().getEmail());
  };
  CHECK(eoi_as(f.portal) == "mikko.virtanen@lumo.example.fi|anna.nowak@optika.example.pl");
  CHECK(eoi_as(f.other_portal) == "|");
  CHECK(eoi_as(f.watcher) == "|");

  for (auto step : {wire::EoiStatus::CONTACT_STARTED, wire::EoiStatus::NEGOTIATION,
                    wire::EoiStatus::AGREEMENT}) {
    auto advanced = f.call<wire::EoiAdvance>("FI", f.portal, "registry.eoi.advance", [&](auto a) {
      a.setEoiId(eoi_id);
      a.setStatus(step);
    });
    REQUIRE(advanced.header().type == "registry.eoi.reply");
  }
  auto agreement = status_code(wire::EoiStatus::AGREEMENT);
  CHECK(testing::eventually([&] { return eoi_status_of(f, "PL", eoi_id) == agreement; }, 10s));
  auto after_end = f.call<wire::EoiAdvance>("PL", f.portal, "registry.eoi.advance", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setStatus(wire::EoiStatus::NEGOTIATION);
  });
  CHECK(error_code(after_end) == wire::ErrorCode::CONFLICT);
}

namespace {

// A delivery as FI's registry would make it for `parties`, then `change`d.
using EoiChange = std::function<void(wire::ExpressionOfInterest::Builder)>;

void fill_delivery(wire::ExpressionOfInterest::Builder eoi, const std::string& id,
                   const testing::EoiParties& parties) {
  eoi.setId(id);
  eoi.setProfileId(parties.profile_id);
  eoi.setOwnerCountry("PL");
  eoi.setSenderOrgId(parties.sender_id);
  eoi.setSenderCountry("FI");
  auto sender = eoi.initSender();
  sender.setId(parties.sender_id);
  sender.setCountry("FI");
  sender.setRegion("FI1B");
  sender.setType(wire::OrgType::SME);
  eoi.setMessage("We build thermal cameras and would license your coating.");
  eoi.setConsentToShare(true);
  eoi.setStatus(wire::EoiStatus::SUBMITTED);
}

// Sends `type` to PL as FI's registry would (FI's own node key: the ZAP User-Id is
// peer:FI, whatever the frames say), the delivery for `parties` then `change`d.
auto fi_peer_caller(Federation& f, const testing::EoiParties& parties) {
  testing::TestClient fi_node{"FI", config::Role::peer, f.nodes.at("FI").keys.keys};
  return [&f, parties, fi_node](const std::string& type, const std::string& id,
                                const EoiChange& change) {
    return f.call<wire::EoiPeerMessage>("PL", fi_node, type, [&](auto m) {
      auto eoi = m.initEoi();
      fill_delivery(eoi, id, parties);
      change(eoi);
    });
  };
}

}  // namespace

TEST_CASE("a peer's expression of interest names only that peer and its organisations",
          "[system][registry]") {
  Federation f({"PL", "FI", "DK"});
  auto parties = testing::publish_for_eoi(f);
  auto peer_call = fi_peer_caller(f, parties);
  std::string dk_profile = parties.profile_id;
  dk_profile.replace(dk_profile.find("PL"), 2, "DK");

  struct Spoof {
    std::string field;
    EoiChange change;
  };
  std::vector<Spoof> spoofs = {
      {"eoi.sender.id",
       [](auto eoi) {  // the case: FI's ids, a DK organisation's block
         eoi.getSender().setId("DK-000001");
         eoi.getSender().setCountry("DK");
         eoi.getSender().setRegion("DK01");
       }},
      {"eoi.sender.country", [](auto eoi) { eoi.getSender().setCountry("DK"); }},
      {"eoi.sender.region", [](auto eoi) { eoi.getSender().setRegion("DK01"); }},
      {"eoi.senderOrgId",
       [](auto eoi) {
         eoi.setSenderOrgId("DK-000001");
         eoi.getSender().setId("DK-000001");
       }},
      {"eoi.senderCountry", [](auto eoi) { eoi.setSenderCountry("DK"); }},
      {"eoi.id", [](auto eoi) { eoi.setId("DK-EOI-000051"); }},
      {"eoi.profileId", [&](auto eoi) { eoi.setProfileId(dk_profile); }},
  };
  int n = 50;
  for (const auto& spoof : spoofs) {
    std::string id = "FI-EOI-0000" + std::to_string(++n);
    INFO(spoof.field);
    auto refused = peer_call("registry.eoi.deliver", id, spoof.change);
    CHECK(error_code(refused) == wire::ErrorCode::NOT_AUTHORISED);
    CHECK(error_field(refused) == spoof.field);
    CHECK(eoi_status_of(f, "PL", id) == "none");  // nothing stored
  }
  CHECK(eoi_status_of(f, "PL", "DK-EOI-000051") == "none");

  // The same delivery with every field FI's is taken.
  std::string id = "FI-EOI-000090";
  auto taken = peer_call("registry.eoi.deliver", id, [](auto) {});
  REQUIRE(taken.header().type == "registry.eoi.ack");
  auto forwarded = status_code(wire::EoiStatus::FORWARDED);
  REQUIRE(eoi_status_of(f, "PL", id) == forwarded);

  // Updates are held to the same parties, and to those of the EoI they update.
  auto withdraw = [](EoiChange then) {
    return [then](wire::ExpressionOfInterest::Builder eoi) {
      eoi.setStatus(wire::EoiStatus::WITHDRAWN);
      then(eoi);
    };
  };
  std::vector<Spoof> update_spoofs = {
      {"eoi.sender.id", spoofs[0].change},
      {"eoi.sender.country", spoofs[1].change},
      {"eoi.senderOrgId",
       [](auto eoi) {
         eoi.setSenderOrgId("FI-000077");
         eoi.getSender().setId("FI-000077");
       }},
      {"eoi.ownerCountry", [](auto eoi) { eoi.setOwnerCountry("DK"); }},
  };
  for (const auto& spoof : update_spoofs) {
    INFO(spoof.field);
    auto refused = peer_call("registry.eoi.update", id, withdraw(spoof.change));
    CHECK(error_code(refused) == wire::ErrorCode::NOT_AUTHORISED);
    CHECK(error_field(refused) == spoof.field);
    CHECK(eoi_status_of(f, "PL", id) == forwarded);
  }
  auto withdrawn = peer_call("registry.eoi.update", id, withdraw([](auto) {}));
  CHECK(withdrawn.header().type == "registry.eoi.ack");
  CHECK(eoi_status_of(f, "PL", id) == status_code(wire::EoiStatus::WITHDRAWN));
}

// Outside wave 4 (H2, L3): a sender's registry could accept its own expression on the
// owner's behalf (then start contact, negotiate, agree), and a delivery kept a name
// for the anonymous sender, a status reason, a refused consent and a date years
// ahead. A peer takes only its side's steps; what only the owner's registry says is
// its own.
TEST_CASE("a peer takes only its own side's steps and says only what is its to say",
          "[system][registry]") {
  Federation f({"PL", "FI"});
  auto parties = testing::publish_for_eoi(f);
  auto peer_call = fi_peer_caller(f, parties);
  auto no_consent = peer_call("registry.eoi.deliver", "FI-EOI-000700",
                              [](auto eoi) { eoi.setConsentToShare(false); });
  CHECK(error_field(no_consent) == "eoi.consentToShare");
  CHECK(eoi_status_of(f, "PL", "FI-EOI-000700") == "none");

  const int64_t far_ahead = 4'000'000'000'000'000;  // year 2096
  auto taken = peer_call("registry.eoi.deliver", "FI-EOI-000701", [&](auto eoi) {
    eoi.getSender().setLegalName("Forged Name Oy");
    eoi.setStatusReason("pre-approved by the network");
    eoi.setCreatedUs(far_ahead);
  });
  REQUIRE(taken.header().type == "registry.eoi.ack");
  auto held = f.call<wire::EoiGet>("PL", f.broker, "registry.eoi.get",
                                   [](auto g) { g.setId("FI-EOI-000701"); });
  REQUIRE(held.header().type == "registry.eoi.reply");
  auto eoi = held.payload<wire::EoiReply>().getEoi();
  CHECK(std::string(eoi.getSender().getLegalName()).empty());
  CHECK(std::string(eoi.getStatusReason()).empty());
  CHECK(eoi.getCreatedUs() > 0);
  CHECK(eoi.getCreatedUs() < far_ahead);

  // The sender's registry cannot accept (or decline) for the owner.
  auto forwarded = status_code(wire::EoiStatus::FORWARDED);
  for (auto step : {wire::EoiStatus::ACCEPTED, wire::EoiStatus::DECLINED}) {
    auto refused =
        peer_call("registry.eoi.update", "FI-EOI-000701", [step](auto e) { e.setStatus(step); });
    CHECK(error_code(refused) == wire::ErrorCode::NOT_AUTHORISED);
    CHECK(error_field(refused) == "eoi.status");
    CHECK(eoi_status_of(f, "PL", "FI-EOI-000701") == forwarded);
  }
  // Once the owner accepted, the steps after it are either side's.
  auto accepted = f.call<wire::EoiAnswer>("PL", f.broker, "registry.eoi.answer", [](auto a) {
    a.setEoiId("FI-EOI-000701");
    a.setAccept(true);
  });
  REQUIRE(accepted.header().type == "registry.eoi.reply");
  auto contact = peer_call("registry.eoi.update", "FI-EOI-000701",
                           [](auto e) { e.setStatus(wire::EoiStatus::CONTACT_STARTED); });
  CHECK(contact.header().type == "registry.eoi.ack");
  CHECK(eoi_status_of(f, "PL", "FI-EOI-000701") == status_code(wire::EoiStatus::CONTACT_STARTED));

  // And the owner's registry cannot withdraw for the sender (another FI organisation:
  // the first one's interest in this profile is still open).
  auto second = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Second Optics Oy");
  });
  REQUIRE(second.header().type == "registry.org.reply");
  auto eoi_id = testing::send_eoi(
      f, {parties.profile_id, second.payload<wire::OrgReply>().getOrganisation().getId()});
  REQUIRE(testing::eventually([&] { return eoi_status_of(f, "FI", eoi_id) == forwarded; }, 10s));
  testing::TestClient pl_node{"PL", config::Role::peer, f.nodes.at("PL").keys.keys};
  auto from_pl =
      f.call<wire::EoiGet>("FI", f.broker, "registry.eoi.get", [&](auto g) { g.setId(eoi_id); });
  REQUIRE(from_pl.header().type == "registry.eoi.reply");
  auto withdraw = f.call<wire::EoiPeerMessage>("FI", pl_node, "registry.eoi.update", [&](auto m) {
    m.setEoi(from_pl.payload<wire::EoiReply>().getEoi());
    m.getEoi().setStatus(wire::EoiStatus::WITHDRAWN);
  });
  CHECK(error_code(withdraw) == wire::ErrorCode::NOT_AUTHORISED);
  CHECK(error_field(withdraw) == "eoi.status");
  CHECK(eoi_status_of(f, "FI", eoi_id) == forwarded);
}

// Found from outside: the owner's registry took any number of open EoIs from one
// sender organisation on one profile, and past max_open_eois_per_org, when a peer
// delivered them: a peer that does not keep the rules could flood an owner.
TEST_CASE(
    "a peer's deliveries are held to one open EoI per organisation and profile, and the limit",
    "[system][registry]") {
  Federation f({"PL", "FI"});
  auto parties = testing::publish_for_eoi(f);
  testing::TestClient fi_node{"FI", config::Role::peer, f.nodes.at("FI").keys.keys};
  auto deliver = [&](const std::string& id, const std::string& profile_id) {
    return f.call<wire::EoiPeerMessage>("PL", fi_node, "registry.eoi.deliver", [&](auto m) {
      auto eoi = m.initEoi();
      fill_delivery(eoi, id, parties);
      eoi.setProfileId(profile_id);
    });
  };
  REQUIRE(deliver("FI-EOI-000500", parties.profile_id).header().type == "registry.eoi.ack");
  auto second = deliver("FI-EOI-000501", parties.profile_id);
  CHECK(error_code(second) == wire::ErrorCode::CONFLICT);
  CHECK(error_field(second) == "eoi.profileId");
  CHECK(eoi_status_of(f, "PL", "FI-EOI-000501") == "none");

  // Nine more profiles: ten open in all, the node's default limit; the eleventh is refused.
  auto owner = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register",
                                      [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(owner.header().type == "registry.org.reply");
  std::string owner_id = owner.payload<wire::OrgReply>().getOrganisation().getId();
  auto publish = [&] {
    auto submitted = f.call<wire::ProfileWrite>(
        "PL", f.portal, "registry.profile.submit",
        [&](auto w) { testing::fill_profile(w.initProfile(), owner_id); });
    REQUIRE(submitted.header().type == "registry.profile.reply");
    std::string id = submitted.payload<wire::ProfileReply>().getProfile().getId();
    auto published =
        f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
          t.setProfileId(id);
          t.setAction(wire::ProfileTransition::Action::PUBLISH);
        });
    REQUIRE(published.header().type == "registry.profile.reply");
    return id;
  };
  for (int i = 1; i <= 9; ++i) {
    auto taken = deliver("FI-EOI-00051" + std::to_string(i), publish());
    REQUIRE(taken.header().type == "registry.eoi.ack");
  }
  auto eleventh = deliver("FI-EOI-000520", publish());
  CHECK(error_code(eleventh) == wire::ErrorCode::LIMIT_EXCEEDED);
  CHECK(error_field(eleventh) == "eoi.senderOrgId");
  CHECK(eoi_status_of(f, "PL", "FI-EOI-000520") == "none");

  // FI's own registry, not knowing of those, sends one on the first profile: PL
  // refuses it, and FI's outbox settles it as undeliverable, saying why.
  auto eoi_id = testing::send_eoi(f, parties);
  REQUIRE(testing::eventually(
      [&] { return testing::eoi_status(f, "FI", eoi_id) == "undeliverable"; }, 10s));
  auto held =
      f.call<wire::EoiGet>("FI", f.broker, "registry.eoi.get", [&](auto g) { g.setId(eoi_id); });
  CHECK(std::string(held.payload<wire::EoiReply>().getEoi().getStatusReason())
            .find("an open expression of interest exists: FI-EOI-000500") != std::string::npos);
}

// Found from outside: a scan read the request's afterId once per record, and every
// read counts against the request reader's traversal limit, so a page past a few
// hundred records was refused as "malformed".
TEST_CASE("a long scan with a filter and a cursor is answered page after page",
          "[system][registry]") {
  Federation f({"PL"});
  constexpr int kOrgs = 260;
  for (int i = 0; i < kOrgs; ++i) {
    auto reply = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register",
                                        [](auto w) { fill_org(w.initOrganisation()); });
    REQUIRE(reply.header().type == "registry.org.reply");
  }
  std::set<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    auto reply = f.call<wire::OrgQuery>("PL", f.broker, "registry.org.list", [&](auto q) {
      q.setLimit(200);
      q.setAfterId(after);
      q.setCountry("PL");
    });
    REQUIRE(reply.header().type == "registry.org.page");
    auto orgs = reply.payload<wire::OrgPage>().getOrganisations();
    for (auto org : orgs) seen.insert(org.getId());
    after = reply.payload<wire::OrgPage>().getNextAfterId();
    if (after.empty()) break;
  }
  CHECK(seen.size() == kOrgs);
  // A filter no record meets scans them all.
  auto none = f.call<wire::OrgQuery>("PL", f.broker, "registry.org.list", [](auto q) {
    q.setLimit(50);
    q.setNacePrefix("99.9");
    q.setAfterId("PL-000001");
  });
  REQUIRE(none.header().type == "registry.org.page");
  CHECK(none.payload<wire::OrgPage>().getOrganisations().size() == 0);
}

// Issue 12, item 2: a research request's partners include organisations without a
// profile (matching's `organisations` list); the request's owner may address one of
// them with an expression of interest, which then runs as one in a profile does.
TEST_CASE("an expression of interest addresses an organisation found for a research request",
          "[system][registry]") {
  Federation f({"PL", "FI"});
  // PL: a research institute with no profile.
  auto institute = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setLegalName("Instytut Fotoniki");
    org.setType(wire::OrgType::RESEARCH_INSTITUTE);
  });
  REQUIRE(institute.header().type == "registry.org.reply");
  std::string institute_id = institute.payload<wire::OrgReply>().getOrganisation().getId();
  // FI: an SME with a published research request, and an offer that is not one.
  auto sme = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Lumo Imaging Oy");
  });
  REQUIRE(sme.header().type == "registry.org.reply");
  std::string sme_id = sme.payload<wire::OrgReply>().getOrganisation().getId();
  auto publish_fi = [&](bool research) {
    auto submitted =
        f.call<wire::ProfileWrite>("FI", f.portal, "registry.profile.submit", [&](auto w) {
          auto p = w.initProfile();
          fill_profile(p, sme_id);
          p.initTargetCountries(1).set(0, "PL");
          if (research) {
            p.setKind(wire::ProfileKind::RESEARCH_PARTNER_REQUEST);
            auto call = p.initResearch();
            call.setCall("HORIZON-CL4-2027-01");
            call.setRoleSought(wire::ResearchRole::PARTNER);
          }
        });
    INFO((submitted.header().type == "error"
              ? std::string(submitted.payload<wire::Error>().getMessage())
              : std::string()));
    REQUIRE(submitted.header().type == "registry.profile.reply");
    std::string id = submitted.payload<wire::ProfileReply>().getProfile().getId();
    auto published =
        f.call<wire::ProfileTransition>("FI", f.broker, "registry.profile.transition", [&](auto t) {
          t.setProfileId(id);
          t.setAction(wire::ProfileTransition::Action::PUBLISH);
        });
    REQUIRE(published.header().type == "registry.profile.reply");
    return id;
  };
  std::string request_id = publish_fi(true);
  std::string offer_id = publish_fi(false);
  REQUIRE(testing::eventually(
      [&] {
        auto page = f.call<wire::OrgQuery>("FI", f.broker, "registry.org.list",
                                           [](auto q) { q.setCountry("PL"); });
        return page.header().type == "registry.org.page" &&
               page.payload<wire::OrgPage>().getReplicas().size() == 1;
      },
      10s));

  auto send = [&](const std::string& profile, const std::string& target, const std::string& about) {
    return f.call<wire::EoiSend>("FI", f.portal, "registry.eoi.send", [&](auto s) {
      s.setProfileId(profile);
      s.setTargetOrgId(target);
      s.setAboutProfileId(about);
      s.setSenderOrgId(sme_id);
      s.setMessage("Your lab could run the optical tests of our research project.");
      s.setConsentToShare(true);
    });
  };
  CHECK(error_field(send(offer_id, institute_id, request_id)) == "profileId");  // both
  CHECK(error_code(send("", "PL-000999", request_id)) == wire::ErrorCode::NOT_FOUND);
  CHECK(error_field(send("", institute_id, offer_id)) == "aboutProfileId");  // not an RDR
  auto sent = send("", institute_id, request_id);
  REQUIRE(sent.header().type == "registry.eoi.reply");
  auto eoi = sent.payload<wire::EoiReply>().getEoi();
  std::string eoi_id = eoi.getId();
  CHECK(std::string(eoi.getOwnerCountry()) == "PL");
  CHECK(std::string(eoi.getProfileId()).empty());

  auto forwarded = status_code(wire::EoiStatus::FORWARDED);
  REQUIRE(testing::eventually([&] { return eoi_status_of(f, "PL", eoi_id) == forwarded; }, 10s));
  // The institute's side answers it as an owner does; contacts cross on acceptance.
  auto accepted = f.call<wire::EoiAnswer>("PL", f.portal, "registry.eoi.answer", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setAccept(true);
  });
  REQUIRE(accepted.header().type == "registry.eoi.reply");
  std::string fi_raw;
  CHECK(testing::eventually(
      [&] {
        return eoi_status_of(f, "FI", eoi_id, &fi_raw) == status_code(wire::EoiStatus::ACCEPTED) &&
               fi_raw.find("anna.nowak@optika.example.pl") != std::string::npos;
      },
      10s));
  // One open expression per organisation and the organisation it addresses.
  CHECK(error_code(send("", institute_id, request_id)) == wire::ErrorCode::CONFLICT);
}
