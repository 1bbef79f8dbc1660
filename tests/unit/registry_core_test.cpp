// The registry's logic over a throwaway store, without sockets: requests are built
// and handed to the handlers as the api server would.
#include <catch2/catch.hpp>

#include "common/envelope/scratch_message.hpp"
#include "services/registry/registry.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

namespace {

struct Core {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", registry::registry_column_families());
  replication::EventLog log{*db, "PL", wire::Service::REGISTRY};
  registry::LanguageCodes languages{std::set<std::string>{"en", "pl"}};
  std::string today = "2026-11-30";
  registry::Registry core{
      *db,
      log,
      {"registry", "test", "PL", wire::Service::REGISTRY},
      {"PL", config::default_members(), &languages, [this] { return today; }, 500}};

  template <class Payload, class Fill>
  DecodedEnvelope request(const std::string& type, Fill&& fill) {
    EnvelopeBuilder builder("PL", wire::Service::CTL, type);
    fill(builder.init_payload<Payload>());
    auto bytes = builder.encode();
    return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value();
  }

  DecodedEnvelope decode(const std::string& bytes) {
    return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value();
  }

  void commit() {
    auto batch = core.seal();
    REQUIRE(db->commit(batch).ok());
    log.committed(core.in_flight_events());
    core.landed();
  }
};

transport::Identity broker{"alice", config::Role::broker};

void fill_org(wire::Organisation::Builder org) {
  org.setLegalName("Bałtyk Robotics");
  org.setCountry("PL");
  org.setRegion("PL42");
  org.setType(wire::OrgType::SME);
  org.setHeadcount(8);
  org.setTurnoverEur(900'000);
  org.initNaceCodes(1).set(0, "28.99");
  org.initLanguages(1).set(0, "pl");
}

}  // namespace

TEST_CASE("requests of one batch see each other before the commit", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  auto org = c.core.register_org({broker, reg}, false);
  REQUIRE(org.ok());
  auto org_reply = c.decode(org.value());
  auto stored = org_reply.payload<wire::OrgReply>().getOrganisation();
  CHECK(std::string(stored.getId()) == "PL-000001");
  CHECK(stored.getSizeClass() == wire::SizeClass::MICRO);

  // Not committed yet, and the profile may already name its owner.
  auto submit = c.request<wire::ProfileWrite>("registry.profile.submit", [](auto w) {
    auto p = w.initProfile();
    p.setOwnerId("PL-000001");
    p.setKind(wire::ProfileKind::BUSINESS_REQUEST);
    p.setTitle("Distributor wanted in Finland");
    p.setSummary("Collaborative robot grippers need a distributor.");
    p.setExpiresOn("2026-12-15");
  });
  auto profile = c.core.submit_profile({broker, submit});
  REQUIRE(profile.ok());
  auto id =
      std::string(c.decode(profile.value()).payload<wire::ProfileReply>().getProfile().getId());
  CHECK(id == "BRPL20261130001");
  CHECK(c.core.staged_events().size() == 2);

  // The commit fails (say): everything staged is forgotten, numbers included.
  (void)c.core.seal();
  c.log.aborted();
  c.core.lost();
  auto again = c.core.register_org({broker, reg}, false);
  REQUIRE(again.ok());
  CHECK(std::string(c.decode(again.value()).payload<wire::OrgReply>().getOrganisation().getId()) ==
        "PL-000001");
  c.commit();
  CHECK(c.core.organisations() == 1);
}

TEST_CASE("published profiles expire by themselves after their last day", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  auto submit = c.request<wire::ProfileWrite>("registry.profile.submit", [](auto w) {
    auto p = w.initProfile();
    p.setOwnerId("PL-000001");
    p.setKind(wire::ProfileKind::TECHNOLOGY_REQUEST);
    p.setTitle("Vision system for weld inspection");
    p.setSummary("We look for a machine-vision partner.");
    p.setExpiresOn("2026-12-01");
  });
  auto submitted = c.core.submit_profile({broker, submit});
  REQUIRE(submitted.ok());
  std::string id = c.decode(submitted.value()).payload<wire::ProfileReply>().getProfile().getId();
  auto publish = c.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
  });
  REQUIRE(c.core.transition_profile({broker, publish}).ok());
  c.commit();
  CHECK(c.core.profiles_published() == 1);

  c.today = "2026-12-01";  // the last day: still shown
  CHECK(c.core.expire_due() == 0);
  c.today = "2026-12-02";
  CHECK(c.core.expire_due() == 1);
  c.commit();
  CHECK(c.core.profiles_published() == 0);
  CHECK(c.core.expire_due() == 0);

  // Renewal brings it back with a new date; a date in the past is refused.
  auto stale = c.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::RENEW);
    t.setNewExpiry("2026-12-01");
  });
  CHECK(c.core.transition_profile({broker, stale}).error().field == "newExpiry");
  // No further than a new profile may go (outside wave 4: a renewal took any date).
  auto far = c.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::RENEW);
    t.setNewExpiry("2030-01-01");
  });
  auto refused = c.core.transition_profile({broker, far});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().field == "newExpiry");
  CHECK(refused.error().message.find("2 years ahead") != std::string::npos);
  CHECK(c.core.profiles_published() == 0);
  auto renew = c.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::RENEW);
    t.setNewExpiry("2027-06-30");
  });
  REQUIRE(c.core.transition_profile({broker, renew}).ok());
  c.commit();
  CHECK(c.core.profiles_published() == 1);

  // A reminder's one-click renewal names the day it read; a broker's renewal that
  // landed in between wins (outside finding M1, issue 13: a click shortened it).
  auto click = [&](const std::string& read) {
    return c.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
      t.setProfileId(id);
      t.setAction(wire::ProfileTransition::Action::RENEW);
      t.setNewExpiry("2027-12-02");
      t.setIfExpiresOn(read);
    });
  };
  auto stale_click = c.core.transition_profile({broker, click("2027-05-31")});
  REQUIRE_FALSE(stale_click.ok());
  CHECK(stale_click.error().code == ErrorCode::CONFLICT);
  CHECK(stale_click.error().field == "ifExpiresOn");
  REQUIRE(c.core.transition_profile({broker, click("2027-06-30")}).ok());
  c.commit();
}

TEST_CASE("a peer's events may speak only for the peer's own country", "[registry]") {
  Core c;
  EnvelopeBuilder forged("FI", wire::Service::REGISTRY, "registry.org.public", 1);
  auto org = forged.init_payload<wire::OrgPublicEvent>().initOrganisation();
  org.setId("PL-000009");
  org.setCountry("PL");
  auto bytes = forged.encode();
  auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  store::StagingBatch batch(*c.db);
  auto applied = c.core.apply_peer_event(event.value(), batch);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().code == ErrorCode::NOT_AUTHORISED);
  CHECK(batch.batch().Count() == 0);
}

TEST_CASE("a peer's ownership is read from parsed ids, not from substrings", "[registry]") {
  // Kind codes TR, BR and BO are also country codes: with Türkiye as a member, a
  // substring test took PL's technology request "TRPL…" for a Turkish record.
  Core c;
  auto members = config::default_members();
  members.push_back("TR");
  registry::Registry core{*c.db,
                          c.log,
                          {"registry", "test", "PL", wire::Service::REGISTRY},
                          {"PL", members, &c.languages, [&c] { return c.today; }, 500}};
  auto apply = [&](EnvelopeBuilder& builder) {
    auto bytes = builder.encode();
    auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    REQUIRE(event.ok());
    store::StagingBatch batch(*c.db);
    auto applied = core.apply_peer_event(event.value(), batch);
    auto refusal = applied.ok() ? std::nullopt : std::optional(applied.error().code);
    return std::pair{refusal, batch.batch().Count()};
  };
  SECTION("a status change of another country's profile") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.profile.status", 1);
    auto status = forged.init_payload<wire::ProfileStatusEvent>();
    status.setProfileId("TRPL20261130001");
    status.setStatus(wire::ProfileStatus::WITHDRAWN);
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  SECTION("a publication of another country's profile under an own owner") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.profile.published", 1);
    auto published = forged.init_payload<wire::ProfilePublishedEvent>();
    auto profile = published.initProfile();
    profile.setId("TRPL20261130001");
    profile.setOwnerId("TR-000001");
    auto owner = published.initOwner();
    owner.setId("TR-000001");
    owner.setCountry("TR");
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  SECTION("an erasure naming another country's organisation") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.org.erased", 1);
    forged.init_payload<wire::OrgErasedEvent>().setOrganisationId("PL-000001-TR");
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  // Outside findings N2 and N4 (issue 11): an own organisation's erasure listing a
  // DK profile unindexed it in every node's matching; an EoI event naming a PL
  // expression and organisation was relayed into PL's stream.
  SECTION("an erasure of an own organisation listing another country's profile") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.org.erased", 1);
    auto erased = forged.init_payload<wire::OrgErasedEvent>();
    erased.setOrganisationId("TR-000001");
    auto listed = erased.initProfileIds(2);
    listed.set(0, "TOTR20261130001");
    listed.set(1, "TOPL20261130001");
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  SECTION("an EoI event naming another country's organisation as its own party") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.eoi.received", 1);
    auto eoi = forged.init_payload<wire::EoiEvent>();
    eoi.setEoiId("PL-EOI-000001");
    eoi.setProfileId("TOTR20261130001");
    eoi.setStatus(wire::EoiStatus::DECLINED);
    eoi.setLocalOrgId("PL-000001");
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  SECTION("an EoI event of neither the origin's expression nor its profile") {
    EnvelopeBuilder forged("TR", wire::Service::REGISTRY, "registry.eoi.changed", 1);
    auto eoi = forged.init_payload<wire::EoiEvent>();
    eoi.setEoiId("PL-EOI-000001");
    eoi.setProfileId("TOFI20261130001");
    eoi.setStatus(wire::EoiStatus::DECLINED);
    auto [code, writes] = apply(forged);
    CHECK(code == ErrorCode::NOT_AUTHORISED);
    CHECK(writes == 0);
  }
  SECTION("the peer's own records pass") {
    EnvelopeBuilder eoi_event("TR", wire::Service::REGISTRY, "registry.eoi.received", 1);
    auto eoi = eoi_event.init_payload<wire::EoiEvent>();
    eoi.setEoiId("PL-EOI-000001");
    eoi.setProfileId("TOTR20261130001");
    eoi.setLocalOrgId("TR-000001");
    CHECK_FALSE(apply(eoi_event).first.has_value());
    EnvelopeBuilder own("TR", wire::Service::REGISTRY, "registry.profile.status", 1);
    auto status = own.init_payload<wire::ProfileStatusEvent>();
    status.setProfileId("TOTR20261130001");
    status.setOwnerId("TR-000001");
    status.setStatus(wire::ProfileStatus::WITHDRAWN);
    auto [code, writes] = apply(own);
    CHECK_FALSE(code.has_value());
  }
}

TEST_CASE("a receipt-only registration answers with the id and derived fields", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register", [](auto w) {
    fill_org(w.initOrganisation());
    w.setReceiptOnly(true);
  });
  auto reply = c.core.register_org({broker, reg}, false);
  REQUIRE(reply.ok());
  auto decoded = c.decode(reply.value());
  auto answer = decoded.payload<wire::OrgReply>();
  CHECK_FALSE(answer.hasOrganisation());  // the caller holds what it sent
  auto receipt = answer.getReceipt();
  CHECK(std::string(receipt.getId()) == "PL-000001");
  CHECK(receipt.getSizeClass() == wire::SizeClass::MICRO);
  CHECK(receipt.getHelix() == wire::Helix::BUSINESS);
  CHECK(receipt.getCreatedUs() > 0);
  CHECK(receipt.getUpdatedUs() == receipt.getCreatedUs());
}

TEST_CASE("the organisation sequence survives a commit and a restart", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  for (int i = 0; i < 3; ++i) REQUIRE(c.core.register_org({broker, reg}, false).ok());
  c.commit();
  // A second core over the same store, as after a restart, continues the numbering.
  registry::Registry restarted{
      *c.db,
      c.log,
      {"registry", "test", "PL", wire::Service::REGISTRY},
      {"PL", config::default_members(), &c.languages, [&c] { return c.today; }, 500}};
  auto next = restarted.register_org({broker, reg}, false);
  REQUIRE(next.ok());
  CHECK(std::string(c.decode(next.value()).payload<wire::OrgReply>().getOrganisation().getId()) ==
        "PL-000004");
}

TEST_CASE("every change is in the action log with who made it, newest first", "[registry]") {
  Core c;
  // Each request decoded anew: a reader's traversal budget is for one handling.
  auto reg = [&] {
    return c.request<wire::OrgWrite>("registry.org.register",
                                     [](auto w) { fill_org(w.initOrganisation()); });
  };
  // Three registrations by one broker in one commit are one entry; another caller
  // in between starts a new one.
  for (int i = 0; i < 3; ++i) REQUIRE(c.core.register_org({broker, reg()}, false).ok());
  transport::Identity portal{"portal", config::Role::integration};
  REQUIRE(c.core.register_org({portal, reg()}, false).ok());
  REQUIRE(c.core.register_org({broker, reg()}, false).ok());
  auto erase = c.request<wire::OrgErase>("registry.org.erase", [](auto e) {
    e.setId("PL-000002");
    e.setReason("data-protection request of 2026-11-30");
  });
  REQUIRE(c.core.erase_org({broker, erase}).ok());
  c.commit();

  auto list = [&](uint64_t before, uint32_t limit, const std::string& target) {
    auto query = c.request<wire::ActionQuery>("registry.actions.list", [&](auto q) {
      q.setBeforeSeq(before);
      q.setLimit(limit);
      q.setTarget(target);
    });
    auto reply = c.core.list_actions({broker, query});
    REQUIRE(reply.ok());
    return reply.value();
  };
  auto first_bytes = list(0, 2, "");
  auto first = c.decode(first_bytes);
  auto page = first.payload<wire::ActionPage>();
  REQUIRE(page.getActions().size() == 2);
  CHECK(std::string(page.getActions()[0].getAction()) == "org.erase");
  CHECK(std::string(page.getActions()[0].getActor()) == "broker:alice");
  CHECK(std::string(page.getActions()[0].getDetail()) == "data-protection request of 2026-11-30");
  CHECK(page.getActions()[0].getSeq() == 4);
  CHECK(std::string(page.getActions()[1].getTarget()) == "PL-000005");
  CHECK(page.getActions()[1].getTargets().size() == 0);
  REQUIRE(page.getNextBeforeSeq() == 3);
  auto second_bytes = list(page.getNextBeforeSeq(), 10, "");
  auto second = c.decode(second_bytes);
  auto older = second.payload<wire::ActionPage>().getActions();
  REQUIRE(older.size() == 2);
  CHECK(std::string(older[0].getActor()) == "integration:portal");
  CHECK(std::string(older[0].getTarget()) == "PL-000004");
  CHECK(std::string(older[1].getTarget()) == "PL-000001");
  REQUIRE(older[1].getTargets().size() == 3);
  CHECK(std::string(older[1].getTargets()[2]) == "PL-000003");
  CHECK(second.payload<wire::ActionPage>().getNextBeforeSeq() == 0);
  // A target inside a run is found too.
  auto only_bytes = list(0, 10, "PL-000002");
  auto only = c.decode(only_bytes);
  REQUIRE(only.payload<wire::ActionPage>().getActions().size() == 2);  // erase, register
  CHECK(std::string(only.payload<wire::ActionPage>().getActions()[1].getAction()) ==
        "org.register");
  CHECK(only.payload<wire::ActionPage>().getActions()[1].getSeq() == 1);
}

TEST_CASE("a batch in flight is readable while the next one is staged", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto write) { fill_org(write.initOrganisation()); });
  auto first = c.core.register_org({broker, reg}, false);
  REQUIRE(first.ok());
  auto in_flight = c.core.seal();  // its fsync would run now, on the committer's thread
  CHECK(c.core.in_flight_events().size() == 1);
  CHECK(c.core.staged_events().empty());
  CHECK_FALSE(c.core.has_changes());

  // The next generation builds on the one in flight: the update finds the record.
  auto update = c.request<wire::OrgWrite>("registry.org.update", [](auto write) {
    auto org = write.initOrganisation();
    fill_org(org);
    org.setId("PL-000001");
    org.setLegalName("Bałtyk Robotics S.A.");
  });
  REQUIRE(c.core.register_org({broker, update}, true).ok());
  auto second = c.core.register_org({broker, reg}, false);
  REQUIRE(second.ok());
  CHECK(std::string(c.decode(second.value()).payload<wire::OrgReply>().getOrganisation().getId()) ==
        "PL-000002");
  CHECK(c.core.staged_events().size() == 2);
  CHECK(c.core.organisations() == 0);  // nothing is durable yet

  REQUIRE(c.db->commit(in_flight).ok());
  c.log.committed(c.core.in_flight_events());
  c.core.landed();
  CHECK(c.core.organisations() == 1);
  CHECK(c.log.head("PL") == 1);
  c.commit();
  CHECK(c.core.organisations() == 2);
  CHECK(c.log.head("PL") == 3);
  auto get = c.request<wire::OrgGet>("registry.org.get", [](auto q) { q.setId("PL-000001"); });
  auto got = c.core.get_org({broker, get});
  REQUIRE(got.ok());
  CHECK(std::string(
            c.decode(got.value()).payload<wire::OrgReply>().getOrganisation().getLegalName()) ==
        "Bałtyk Robotics S.A.");
}

TEST_CASE("a lost batch in flight takes the generation staged after it along", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto write) { fill_org(write.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  (void)c.core.seal();
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  // The in-flight commit fails: both generations are forgotten, numbers included.
  c.log.aborted(c.log.origin());
  c.core.lost();
  CHECK_FALSE(c.core.has_changes());
  auto get = c.request<wire::OrgGet>("registry.org.get", [](auto q) { q.setId("PL-000001"); });
  CHECK(c.core.get_org({broker, get}).error().code == ErrorCode::NOT_FOUND);
  auto again = c.core.register_org({broker, reg}, false);
  REQUIRE(again.ok());
  CHECK(std::string(c.decode(again.value()).payload<wire::OrgReply>().getOrganisation().getId()) ==
        "PL-000001");
  c.commit();
  CHECK(c.log.head("PL") == 1);
  CHECK(c.core.organisations() == 1);
}

namespace {

// FI's published profile TOFI20261130001, as PL's registry holds it from FI's stream.
void replicate_fi_profile(Core& c) {
  EnvelopeBuilder published("FI", wire::Service::REGISTRY, "registry.profile.published", 1);
  auto event = published.init_payload<wire::ProfilePublishedEvent>();
  auto profile = event.initProfile();
  profile.setId("TOFI20261130001");
  profile.setOwnerId("FI-000001");
  profile.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
  profile.setTitle("Anti-reflective coatings for thermal cameras");
  profile.setSummary("A coating process that cuts reflection losses in the 8-14 um band.");
  profile.setExpiresOn("2027-11-30");
  profile.initNaceCodes(1).set(0, "26.70");
  profile.initDomains(1).set(0, "photonics");
  profile.setStatus(wire::ProfileStatus::PUBLISHED);
  auto owner = event.initOwner();
  owner.setId("FI-000001");
  owner.setCountry("FI");
  owner.setRegion("FI1B");
  owner.setType(wire::OrgType::SME);
  auto bytes = published.encode();
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  store::StagingBatch replica(*c.db);
  REQUIRE(c.core.apply_peer_event(decoded.value(), replica).ok());
  REQUIRE(c.db->commit(replica.batch()).ok());
  c.core.replicas_committed();
}

// PL-000001 expresses interest in FI's replicated profile.
Result<std::string> send_fi_eoi(Core& c) {
  auto ask = c.request<wire::EoiSend>("registry.eoi.send", [](auto s) {
    s.setProfileId("TOFI20261130001");
    s.setSenderOrgId("PL-000001");
    s.setMessage("We would like to license the coating process.");
    s.setConsentToShare(true);
  });
  return c.core.send_eoi({broker, ask});
}

}  // namespace

// Outside findings N2 and N9 (issue 11): a peer's erasure names the profiles to drop;
// one of another owner must not go, and one it leaves out must not stay published.
TEST_CASE("a peer's erasure drops every replica of its organisation's profiles and no other",
          "[registry]") {
  Core c;
  replicate_fi_profile(c);
  REQUIRE(c.core.replica_profiles_published() == 1);
  auto erase = [&](const std::string& org, const std::vector<std::string>& listed) {
    EnvelopeBuilder builder("FI", wire::Service::REGISTRY, "registry.org.erased", 2);
    auto erased = builder.init_payload<wire::OrgErasedEvent>();
    erased.setOrganisationId(org);
    auto ids = erased.initProfileIds(static_cast<unsigned>(listed.size()));
    for (unsigned i = 0; i < listed.size(); ++i) ids.set(i, listed[i]);
    auto bytes = builder.encode();
    auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    store::StagingBatch batch(*c.db);
    auto applied = c.core.apply_peer_event(event.value(), batch);
    if (applied.ok()) {
      REQUIRE(c.db->commit(batch.batch()).ok());
      c.core.replicas_committed();
    }
    return applied;
  };
  auto other_owner = erase("FI-000002", {"TOFI20261130001"});
  REQUIRE_FALSE(other_owner.ok());
  CHECK(other_owner.error().code == ErrorCode::NOT_AUTHORISED);
  CHECK(other_owner.error().field == "profileIds[0]");
  CHECK(c.core.replica_profiles_published() == 1);
  REQUIRE(erase("FI-000001", {}).ok());  // its profile left out of the list
  CHECK(c.core.replica_profiles_published() == 0);
}

TEST_CASE("an expression of interest the owner's registry refuses is closed as undeliverable",
          "[registry]") {
  Core c;
  replicate_fi_profile(c);
  CHECK(c.core.replica_profiles_published() == 1);
  CHECK(c.core.profiles_published() == 0);  // FI's, not PL's own

  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  auto send = [&] { return send_fi_eoi(c); };
  auto sent = send();
  REQUIRE(sent.ok());
  std::string id = c.decode(sent.value()).payload<wire::EoiReply>().getEoi().getId();
  c.commit();
  CHECK_FALSE(send().ok());  // one open expression per organisation and profile

  c.core.undeliverable(id, "the profile is no longer published");
  REQUIRE(c.core.staged_events().size() == 1);
  CHECK(c.core.staged_events()[0].topic == "registry.eoi.changed");
  c.commit();
  auto get = c.request<wire::EoiGet>("registry.eoi.get", [&](auto g) { g.setId(id); });
  auto got = c.core.get_eoi({broker, get});
  REQUIRE(got.ok());
  auto got_reply = c.decode(got.value());  // the reader below points into it
  auto eoi = got_reply.payload<wire::EoiReply>().getEoi();
  CHECK(eoi.getStatus() == wire::EoiStatus::UNDELIVERABLE);
  CHECK(std::string(eoi.getStatusReason()) == "the profile is no longer published");
  // A second refusal changes nothing; the organisation may try again.
  c.core.undeliverable(id, "again");
  CHECK_FALSE(c.core.has_changes());
  CHECK(send().ok());

  // FI withdraws it: the replica count follows once the subscriber's batch lands,
  // and not if that batch is lost.
  EnvelopeBuilder withdrawn("FI", wire::Service::REGISTRY, "registry.profile.status", 2);
  auto change = withdrawn.init_payload<wire::ProfileStatusEvent>();
  change.setProfileId("TOFI20261130001");
  change.setOwnerId("FI-000001");
  change.setStatus(wire::ProfileStatus::WITHDRAWN);
  auto status_bytes = withdrawn.encode();
  auto status =
      decode_envelope({reinterpret_cast<const uint8_t*>(status_bytes.data()), status_bytes.size()});
  store::StagingBatch lost(*c.db);
  REQUIRE(c.core.apply_peer_event(status.value(), lost).ok());
  c.core.replicas_aborted();
  CHECK(c.core.replica_profiles_published() == 1);
  store::StagingBatch kept(*c.db);
  REQUIRE(c.core.apply_peer_event(status.value(), kept).ok());
  REQUIRE(c.db->commit(kept.batch()).ok());
  c.core.replicas_committed();
  CHECK(c.core.replica_profiles_published() == 0);
}

TEST_CASE("erasure takes the profiles of batches not yet durable too", "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  auto submit = [&](const char* title) {
    auto write = c.request<wire::ProfileWrite>("registry.profile.submit", [&](auto w) {
      auto p = w.initProfile();
      p.setOwnerId("PL-000001");
      p.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
      p.setTitle(title);
      p.setSummary("A coating process that cuts reflection losses in the 8-14 um band.");
      p.setExpiresOn("2027-11-30");
      p.initNaceCodes(1).set(0, "26.70");
      p.initDomains(1).set(0, "photonics");
    });
    auto reply = c.core.submit_profile({broker, write});
    REQUIRE(reply.ok());
    return std::string(c.decode(reply.value()).payload<wire::ProfileReply>().getProfile().getId());
  };
  std::string durable = submit("Stored offer");
  c.commit();
  std::string in_flight = submit("Offer in flight");
  auto sealed = c.core.seal();
  std::string staged = submit("Offer being staged");

  auto erase = c.request<wire::OrgErase>("registry.org.erase", [](auto e) {
    e.setId("PL-000001");
    e.setReason("data-protection request");
  });
  auto erased = c.core.erase_org({broker, erase});
  REQUIRE(erased.ok());
  auto erased_reply = c.decode(erased.value());  // the reader below points into it
  auto gone = erased_reply.payload<wire::OrgErasedReply>().getProfilesWithdrawn();
  std::set<std::string> withdrawn;
  for (auto id : gone) withdrawn.insert(id);
  CHECK(withdrawn == std::set<std::string>{durable, in_flight, staged});
  REQUIRE(c.db->commit(sealed).ok());
  c.log.committed(c.core.in_flight_events());
  c.core.landed();
  c.commit();
  for (const auto& id : {durable, in_flight, staged}) {
    auto get = c.request<wire::ProfileGet>("registry.profile.get", [&](auto g) { g.setId(id); });
    CHECK_FALSE(c.core.get_profile({broker, get}).ok());
  }
}

TEST_CASE("an owner's answer that overtakes the settle of its delivery is taken", "[registry]") {
  // PL's delivery was stored at FI and acknowledged, but PL crashed before settling
  // it (or the settle is still being committed): PL's EoI is still submitted when
  // FI's answer arrives. The answer shows FI holds it: it is taken, not refused.
  Core c;
  replicate_fi_profile(c);
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  auto ask = c.request<wire::EoiSend>("registry.eoi.send", [](auto s) {
    s.setProfileId("TOFI20261130001");
    s.setSenderOrgId("PL-000001");
    s.setMessage("We would like to license the coating process.");
    s.setConsentToShare(true);
  });
  auto sent = c.core.send_eoi({broker, ask});
  REQUIRE(sent.ok());
  auto sent_reply = c.decode(sent.value());
  ScratchMessage answer;
  answer.setRoot(sent_reply.payload<wire::EoiReply>().getEoi());
  c.commit();

  auto eoi = answer.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(wire::EoiStatus::ACCEPTED);
  eoi.initOwnerContact().setEmail("owner@lumo.example.fi");
  auto update = c.request<wire::EoiPeerMessage>("registry.eoi.update",
                                                [&](auto m) { m.setEoi(eoi.asReader()); });
  auto taken = c.core.peer_update({{"FI", config::Role::peer}, update});
  REQUIRE(taken.ok());
  CHECK(c.decode(taken.value()).payload<wire::EoiAck>().getStatus() == wire::EoiStatus::ACCEPTED);
  c.commit();

  // The delivery's own answer, settled late, changes nothing any more.
  c.core.delivered(eoi.getId().cStr());
  CHECK_FALSE(c.core.has_changes());
  auto get = c.request<wire::EoiGet>("registry.eoi.get", [&](auto g) { g.setId(eoi.getId()); });
  auto got = c.core.get_eoi({broker, get});
  REQUIRE(got.ok());
  auto got_reply = c.decode(got.value());
  auto stored = got_reply.payload<wire::EoiReply>().getEoi();
  CHECK(stored.getStatus() == wire::EoiStatus::ACCEPTED);
  CHECK(std::string(stored.getOwnerContact().getEmail()) == "owner@lumo.example.fi");
}

TEST_CASE("an erasure's reason is 1 to 2000 bytes, and a page of the action log fits a reply",
          "[registry]") {
  Core c;
  auto reg = [&] {
    return c.request<wire::OrgWrite>("registry.org.register",
                                     [](auto w) { fill_org(w.initOrganisation()); });
  };
  auto erase = [&](const std::string& id, const std::string& reason) {
    auto request = c.request<wire::OrgErase>("registry.org.erase", [&](auto e) {
      e.setId(id);
      e.setReason(reason);
    });
    return c.core.erase_org({broker, request});
  };
  constexpr int kOrgs = 300;
  for (int i = 0; i < kOrgs; ++i) REQUIRE(c.core.register_org({broker, reg()}, false).ok());
  c.commit();
  for (const std::string& reason : {std::string(), std::string(2001, 'r')}) {
    auto refused = erase("PL-000001", reason);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::INVALID_FIELD);
    CHECK(refused.error().field == "reason");
  }
  // Each erasure one entry of 2000 bytes of reason: 600 KB in all.
  for (int i = 1; i <= kOrgs; ++i) {
    std::string number = std::to_string(i);
    REQUIRE(
        erase("PL-" + std::string(6 - number.size(), '0') + number, std::string(2000, 'r')).ok());
    c.commit();
  }
  auto query =
      c.request<wire::ActionQuery>("registry.actions.list", [&](auto q) { q.setLimit(500); });
  auto reply = c.core.list_actions({broker, query});
  REQUIRE(reply.ok());
  CHECK(reply.value().size() < std::size_t{1} << 20);
  auto decoded = c.decode(reply.value());  // the reader below points into it
  auto page = decoded.payload<wire::ActionPage>();
  CHECK(page.getActions().size() > 100);
  CHECK(page.getActions().size() < static_cast<unsigned>(kOrgs));
  // Cut to fit, it says where to go on: right after its last entry.
  auto last = page.getActions()[page.getActions().size() - 1].getSeq();
  CHECK(page.getNextBeforeSeq() == last);
}

TEST_CASE("the helix is derived from the organisation type whatever the caller says",
          "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);  // an SME
    org.setHelix(wire::Helix::GOVERNMENT);
    w.setReceiptOnly(true);
  });
  auto reply = c.core.register_org({broker, reg}, false);
  REQUIRE(reply.ok());
  CHECK(c.decode(reply.value()).payload<wire::OrgReply>().getReceipt().getHelix() ==
        wire::Helix::BUSINESS);
}

// Found from outside: a peer's profile past its last day stayed "published" here for
// as long as its owner's registry was down (its expiry event is what changes it).
TEST_CASE("a peer's profile past its last day is shown expired and takes no interest",
          "[registry]") {
  Core c;
  replicate_fi_profile(c);  // expires on 2027-11-30
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  c.commit();
  auto published_listed = [&] {
    auto list = c.request<wire::ProfileQuery>("registry.profile.list", [](auto q) {
      q.setStatus(wire::ProfileStatus::PUBLISHED);
      q.setCountry("FI");
    });
    auto page = c.core.list_profiles({broker, list});
    REQUIRE(page.ok());
    return c.decode(page.value()).payload<wire::ProfilePage>().getProfiles().size();
  };
  auto shown_status = [&] {
    auto get = c.request<wire::ProfileGet>("registry.profile.get",
                                           [](auto g) { g.setId("TOFI20261130001"); });
    auto reply = c.core.get_profile({broker, get});
    REQUIRE(reply.ok());
    return c.decode(reply.value()).payload<wire::ProfileReply>().getProfile().getStatus();
  };
  auto send = [&] { return send_fi_eoi(c); };
  c.today = "2027-11-30";  // its last day: still shown
  CHECK(published_listed() == 1);
  CHECK(shown_status() == wire::ProfileStatus::PUBLISHED);
  c.today = "2027-12-01";
  CHECK(published_listed() == 0);
  CHECK(shown_status() == wire::ProfileStatus::EXPIRED);
  auto refused = send();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::CONFLICT);
  CHECK(refused.error().message.find("expired") != std::string::npos);
}

TEST_CASE("an erasure takes the erased party out of messages still waiting for a peer",
          "[registry]") {
  // Found by the erasure system test under load: FI's queued `registry.eoi.update`
  // still carried PL's contact when FI scrubbed its files, and was left in an SST.
  Core c;
  replicate_fi_profile(c);
  auto reg = c.request<wire::OrgWrite>("registry.org.register",
                                       [](auto w) { fill_org(w.initOrganisation()); });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  auto sent = send_fi_eoi(c);
  REQUIRE(sent.ok());
  auto sent_reply = c.decode(sent.value());
  ScratchMessage answer;
  answer.setRoot(sent_reply.payload<wire::EoiReply>().getEoi());
  std::string eoi_id = sent_reply.payload<wire::EoiReply>().getEoi().getId();
  c.commit();
  // FI accepts: its contact is now in PL's copy.
  auto eoi = answer.getRoot<wire::ExpressionOfInterest>();
  eoi.setStatus(wire::EoiStatus::ACCEPTED);
  eoi.initOwnerContact().setEmail("owner@lumo.example.fi");
  auto update = c.request<wire::EoiPeerMessage>("registry.eoi.update",
                                                [&](auto m) { m.setEoi(eoi.asReader()); });
  REQUIRE(c.core.peer_update({{"FI", config::Role::peer}, update}).ok());
  c.commit();
  // PL takes the next step; the update to FI waits in the outbox, FI's contact in it.
  auto advance = c.request<wire::EoiAdvance>("registry.eoi.advance", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setStatus(wire::EoiStatus::CONTACT_STARTED);
  });
  REQUIRE(c.core.advance_eoi({broker, advance}).ok());
  c.commit();
  auto waiting = [&] {
    std::string all;
    for (;;) {
      auto oldest = c.core.outbox().oldest("FI");
      REQUIRE(oldest.ok());
      if (!oldest.value()) return all;
      all += oldest.value()->payload;
      rocksdb::WriteBatch removal;
      c.core.outbox().stage_removal(removal, *oldest.value());
      REQUIRE(c.db->commit(removal).ok());
    }
  };
  auto holds = [](const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  };

  SECTION("the partner abroad is erased at home: its event rewrites the queued messages") {
    EnvelopeBuilder erased("FI", wire::Service::REGISTRY, "registry.org.erased", 2);
    auto event = erased.init_payload<wire::OrgErasedEvent>();
    event.setOrganisationId("FI-000001");
    event.initProfileIds(1).set(0, "TOFI20261130001");
    auto bytes = erased.encode();
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    store::StagingBatch replica(*c.db);
    REQUIRE(c.core.apply_peer_event(decoded.value(), replica).ok());
    REQUIRE(c.db->commit(replica.batch()).ok());
    c.core.replicas_committed();
    auto left = waiting();
    CHECK_FALSE(left.empty());  // the peer still hears of the step
    CHECK_FALSE(holds(left, "owner@lumo.example.fi"));
    CHECK(holds(left, "the addressed organisation was erased"));
  }
  SECTION("the sender is erased here: its words leave the queued messages") {
    auto erase = c.request<wire::OrgErase>("registry.org.erase", [](auto e) {
      e.setId("PL-000001");
      e.setReason("data-protection request");
    });
    REQUIRE(c.core.erase_org({broker, erase}).ok());
    c.commit();
    auto left = waiting();
    CHECK_FALSE(left.empty());
    CHECK_FALSE(holds(left, "We would like to license the coating process."));
    CHECK_FALSE(holds(left, "Bałtyk Robotics"));
    CHECK(holds(left, "the sending organisation was erased"));
  }
}

// Outside findings M5 and M7 (issue 13, session 10): a mistyped purpose withdrew
// nothing yet was logged "consent withdrawn"; a used unsubscribe link posted again
// was a synced write and an action-log line each time.
TEST_CASE("a withdrawal names a purpose on record, and one that changes nothing writes nothing",
          "[registry]") {
  Core c;
  auto reg = c.request<wire::OrgWrite>("registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    auto contact = org.initContacts(1)[0];
    contact.setName("Anna Nowak");
    contact.setEmail("anna@baltyk.example.pl");
    auto consent = contact.initConsents(1)[0];
    consent.setPurpose("notifications");
    consent.setTextVersion("2026-01");
    consent.setChannel("email");
    consent.setGrantedAtUs(1'795'910'400'000'000);  // 2026-11-29
  });
  REQUIRE(c.core.register_org({broker, reg}, false).ok());
  c.commit();
  auto withdraw = [&](const std::string& purpose) {
    auto ask = c.request<wire::ContactPreferences>("registry.contact.preferences", [&](auto p) {
      p.setOrganisationId("PL-000001");
      p.setContactEmail("ANNA@baltyk.example.pl");
      p.setWithdrawConsent(purpose);
    });
    auto reply = c.core.set_contact_preferences({broker, ask});
    if (reply.ok()) c.commit();
    return reply;
  };
  auto actions = [&] {
    auto query = c.request<wire::ActionQuery>("registry.actions.list", [&](auto q) {
      q.setLimit(50);
      q.setTarget("PL-000001");
    });
    auto reply = c.core.list_actions({broker, query});
    REQUIRE(reply.ok());
    return c.decode(reply.value()).payload<wire::ActionPage>().getActions().size();
  };
  REQUIRE(actions() == 1);  // the registration

  auto typo = withdraw("notification");
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.error().code == ErrorCode::NOT_FOUND);
  CHECK(typo.error().field == "withdrawConsent");
  auto bidi = withdraw("notifications\u202E");
  REQUIRE_FALSE(bidi.ok());
  CHECK(bidi.error().code == ErrorCode::INVALID_FIELD);
  CHECK(actions() == 1);

  REQUIRE(withdraw("notifications").ok());
  CHECK(actions() == 2);
  for (int again = 0; again < 3; ++again) REQUIRE(withdraw("notifications").ok());
  CHECK(actions() == 2);
}

// Outside findings, session 19: an update of the organisation's record with the
// consent as first granted (a broker re-sending it from a CRM) undid the contact's
// one-click unsubscribe, and the next match was mailed.
TEST_CASE("a contact's withdrawal and alert choices outlive an update of its organisation",
          "[registry]") {
  Core c;
  auto write = [&](const std::string& type, int64_t granted, bool update) {
    auto request = c.request<wire::OrgWrite>(type, [&](auto w) {
      auto org = w.initOrganisation();
      fill_org(org);
      if (update) org.setId("PL-000001");
      auto contact = org.initContacts(1)[0];
      contact.setName("Anna Nowak");
      contact.setEmail(update ? "Anna@Baltyk.example.pl" : "anna@baltyk.example.pl");
      auto consent = contact.initConsents(1)[0];
      consent.setPurpose("notifications");
      consent.setTextVersion("2026-01");
      consent.setChannel("email");
      consent.setGrantedAtUs(granted);
    });
    auto reply = c.core.register_org({broker, request}, update);
    REQUIRE(reply.ok());
    c.commit();
    // Copied out: the reader would outlive the decoded reply.
    auto decoded = c.decode(reply.value());
    auto contact = decoded.payload<wire::OrgReply>().getOrganisation().getContacts()[0];
    struct Held {
      int64_t withdrawn;
      std::string channel, rhythm;
    };
    return Held{contact.getConsents()[0].getWithdrawnAtUs(), contact.getAlertChannel().cStr(),
                contact.getAlertRhythm().cStr()};
  };
  const int64_t granted = 1'795'910'400'000'000;  // 2026-11-29
  write("registry.org.register", granted, false);
  auto choose = c.request<wire::ContactPreferences>("registry.contact.preferences", [&](auto p) {
    p.setOrganisationId("PL-000001");
    p.setContactEmail("anna@baltyk.example.pl");
    p.setWithdrawConsent("notifications");
    p.setChannel("none");
    p.setRhythm("weekly");
  });
  auto chosen = c.core.set_contact_preferences({broker, choose});
  REQUIRE(chosen.ok());
  c.commit();
  int64_t withdrawn = c.decode(chosen.value())
                          .payload<wire::OrgReply>()
                          .getOrganisation()
                          .getContacts()[0]
                          .getConsents()[0]
                          .getWithdrawnAtUs();
  REQUIRE(withdrawn > granted);

  auto same = write("registry.org.update", granted, true);
  CHECK(same.withdrawn == withdrawn);
  CHECK(same.channel == "none");
  CHECK(same.rhythm == "weekly");
  // A grant given again after the withdrawal (the contact consented anew): in force.
  // (The registry's day is this test's; the withdrawal's time is the clock's.)
  c.today = "2099-01-01";
  auto anew = write("registry.org.update", withdrawn + 1, true);
  CHECK(anew.withdrawn == 0);
}
