// The registry's state digest (registry.state.digest) is the oracle of the fault
// tests that check that peers converged: it must cover every field a peer holds of
// another country's records, or a replication that drops one passes. A PL registry
// publishes an organisation and a profile with every public field filled; an FI
// registry applies PL's events, faithfully or with one field altered on the way in.
// The digests agree only for the faithful copy, and for fields that legitimately
// differ per node (the digest clears them: see Registry::state_digest).
// Break: registry.replica_drops_summary (tests/run_breaks.sh).
#include <catch2/catch.hpp>
#include <functional>

#include "common/envelope/scratch_message.hpp"
#include "services/registry/registry.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

namespace {

DecodedEnvelope decoded(const std::string& bytes) {
  return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value();
}

transport::Identity broker{"alice", config::Role::broker};

struct Node {
  explicit Node(std::string node_country) : country(std::move(node_country)) {}

  std::string country;
  testing::TempDir dir;
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", registry::registry_column_families());
  replication::EventLog log{*db, country, wire::Service::REGISTRY};
  registry::LanguageCodes languages{std::set<std::string>{"en", "pl", "fi", "de"}};
  registry::Registry core{*db,
                          log,
                          {"registry", "test", country, wire::Service::REGISTRY},
                          {country, config::default_members(), &languages,
                           [] { return std::string("2026-11-30"); }, 500}};

  template <class Payload, class Fill>
  DecodedEnvelope request(const std::string& type, Fill&& fill) {
    EnvelopeBuilder builder(country, wire::Service::CTL, type);
    fill(builder.init_payload<Payload>());
    return decoded(builder.encode());
  }

  void commit() {
    auto batch = core.seal();
    REQUIRE(db->commit(batch).ok());
    log.committed(core.in_flight_events());
    core.landed();
  }

  // Peer events applied as the replica applier does, in one batch.
  void apply(const std::vector<std::string>& events) {
    store::StagingBatch batch(*db);
    for (const auto& bytes : events) {
      auto applied = core.apply_peer_event(decoded(bytes), batch);
      INFO((applied ? std::string("applied") : describe(applied.error())));
      REQUIRE(applied.ok());
    }
    REQUIRE(db->commit(batch.batch()).ok());
    core.replicas_committed();
  }

  struct Digest {
    std::string hex;
    uint64_t organisations = 0;
    uint64_t profiles = 0;
  };

  Digest digest() {
    auto ask = request<wire::StateDigestRequest>("registry.state.digest", [](auto) {});
    auto reply = core.state_digest({broker, ask});
    REQUIRE(reply.ok());
    auto answer = decoded(reply.value());
    REQUIRE(answer.header().type == "registry.state.digest.reply");
    auto d = answer.payload<wire::StateDigest>();
    return {d.getDigest(), d.getOrganisations(), d.getPublishedProfiles()};
  }
};

// PL's organisation and published profile, every public field filled (lists of two,
// so that a replica may drop one element); returns PL's events.
std::vector<std::string> publish_everything(Node& pl) {
  auto reg = pl.request<wire::OrgWrite>("registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    org.setLegalName("Bałtyk Robotics");
    org.setCountry("PL");
    org.setRegion("PL42");
    org.setType(wire::OrgType::SME);
    org.setHeadcount(8);
    org.setTurnoverEur(900'000);
    auto nace = org.initNaceCodes(2);
    nace.set(0, "28.99");
    nace.set(1, "26.70");
    auto domains = org.initDomains(2);
    domains.set(0, "robotics");
    domains.set(1, "photonics");
    auto languages = org.initLanguages(2);
    languages.set(0, "pl");
    languages.set(1, "en");
    auto contact = org.initContacts(1)[0];
    contact.setName("Anna Nowak");
    contact.setEmail("anna@example.pl");
  });
  auto org = pl.core.register_org({broker, reg}, false);
  REQUIRE(org.ok());
  std::string owner = decoded(org.value()).payload<wire::OrgReply>().getOrganisation().getId();

  auto submit = pl.request<wire::ProfileWrite>("registry.profile.submit", [&](auto w) {
    auto p = w.initProfile();
    p.setOwnerId(owner);
    p.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
    p.setTitle("Collaborative robot grippers");
    p.setSummary("Grippers that sense force, for small batches.");
    p.setDescription("A gripper family with force sensing in every finger.");
    p.setAdvantages("Half the set-up time of a rigid gripper.");
    p.setTrl(6);
    p.setIprStatus("patent granted");
    auto keywords = p.initKeywords(2);
    keywords.set(0, "grippers");
    keywords.set(1, "cobots");
    auto nace = p.initNaceCodes(2);
    nace.set(0, "28.99");
    nace.set(1, "26.70");
    auto domains = p.initDomains(2);
    domains.set(0, "robotics");
    domains.set(1, "photonics");
    auto cooperation = p.initCooperationTypes(2);
    cooperation.set(0, wire::CooperationType::LICENCE);
    cooperation.set(1, wire::CooperationType::MANUFACTURING);
    auto partner_types = p.initPartnerTypes(2);
    partner_types.set(0, wire::OrgType::SME);
    partner_types.set(1, wire::OrgType::UNIVERSITY);
    auto partner_sizes = p.initPartnerSizes(2);
    partner_sizes.set(0, wire::SizeClass::SMALL);
    partner_sizes.set(1, wire::SizeClass::MEDIUM);
    auto targets = p.initTargetCountries(2);
    targets.set(0, "FI");
    targets.set(1, "DK");
    p.setExpiresOn("2027-06-30");
    auto requirements = p.initRequirements(2);
    requirements.set(0, wire::Requirement::PARTNER_TYPES);
    requirements.set(1, wire::Requirement::COOPERATION_TYPES);
  });
  auto submitted = pl.core.submit_profile({broker, submit});
  REQUIRE(submitted.ok());
  std::string id = decoded(submitted.value()).payload<wire::ProfileReply>().getProfile().getId();
  auto publish = pl.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
  });
  REQUIRE(pl.core.transition_profile({broker, publish}).ok());
  pl.commit();
  return pl.log.read_after("PL", 0, 1000, 1 << 20).value().events;
}

// A change made to PL's records on their way into FI: to the organisation (as its
// public event and as the owner in the profile's event carry it) or to the profile.
struct Alteration {
  std::string field;
  std::function<void(wire::PublicOrganisation::Builder)> org;
  std::function<void(wire::Profile::Builder)> profile;
};

std::vector<std::string> altered(const std::vector<std::string>& events, const Alteration& a) {
  std::vector<std::string> out;
  for (const auto& bytes : events) {
    auto event = decoded(bytes);
    EnvelopeBuilder copy(event.header());
    if (event.header().type == "registry.org.public") {
      auto payload = copy.init_payload<wire::OrgPublicEvent>();
      payload.setOrganisation(event.payload<wire::OrgPublicEvent>().getOrganisation());
      if (a.org) a.org(payload.getOrganisation());
    } else if (event.header().type == "registry.profile.published") {
      auto in = event.payload<wire::ProfilePublishedEvent>();
      auto payload = copy.init_payload<wire::ProfilePublishedEvent>();
      payload.setProfile(in.getProfile());
      payload.setOwner(in.getOwner());
      if (a.profile) a.profile(payload.getProfile());
      if (a.org) a.org(payload.getOwner());
    } else {
      out.push_back(bytes);
      continue;
    }
    out.push_back(copy.encode());
  }
  return out;
}

}  // namespace

TEST_CASE("a replica that applied every event has the digest of the node it copies", "[registry]") {
  Node pl("PL");
  Node fi("FI");
  auto events = publish_everything(pl);
  auto home = pl.digest();
  CHECK(home.organisations == 1);
  CHECK(home.profiles == 1);
  CHECK(fi.digest().hex != home.hex);  // the control: an empty replica differs

  fi.apply(events);
  auto replica = fi.digest();
  CHECK(replica.organisations == 1);
  CHECK(replica.profiles == 1);
  CHECK(replica.hex == home.hex);
}

TEST_CASE("the state digest tells apart a replica that lost or altered any replicated field",
          "[registry]") {
  Node pl("PL");
  auto events = publish_everything(pl);
  auto home = pl.digest();

  using Org = wire::PublicOrganisation::Builder;
  using Profile = wire::Profile::Builder;
  std::vector<Alteration> changes = {
      {"organisation region", [](Org o) { o.setRegion("PL41"); }, {}},
      {"organisation type", [](Org o) { o.setType(wire::OrgType::UNIVERSITY); }, {}},
      {"organisation sizeClass", [](Org o) { o.setSizeClass(wire::SizeClass::LARGE); }, {}},
      {"organisation naceCodes", [](Org o) { o.initNaceCodes(1).set(0, "28.99"); }, {}},
      {"organisation domains", [](Org o) { o.initDomains(1).set(0, "robotics"); }, {}},
      {"organisation languages", [](Org o) { o.initLanguages(1).set(0, "pl"); }, {}},
      {"profile title", {}, [](Profile p) { p.setTitle("Robot grippers"); }},
      {"profile summary", {}, [](Profile p) { p.setSummary("Grippers that sense force."); }},
      {"profile description", {}, [](Profile p) { p.setDescription("A gripper family."); }},
      {"profile advantages", {}, [](Profile p) { p.setAdvantages(""); }},
      {"profile trl", {}, [](Profile p) { p.setTrl(5); }},
      {"profile iprStatus", {}, [](Profile p) { p.setIprStatus("patent pending"); }},
      {"profile keywords", {}, [](Profile p) { p.initKeywords(1).set(0, "grippers"); }},
      {"profile naceCodes", {}, [](Profile p) { p.initNaceCodes(1).set(0, "28.99"); }},
      {"profile domains", {}, [](Profile p) { p.initDomains(1).set(0, "robotics"); }},
      {"profile cooperationTypes",
       {},
       [](Profile p) { p.initCooperationTypes(1).set(0, wire::CooperationType::LICENCE); }},
      {"profile partnerTypes",
       {},
       [](Profile p) { p.initPartnerTypes(1).set(0, wire::OrgType::SME); }},
      {"profile partnerSizes",
       {},
       [](Profile p) { p.initPartnerSizes(1).set(0, wire::SizeClass::SMALL); }},
      {"profile targetCountries", {}, [](Profile p) { p.initTargetCountries(1).set(0, "FI"); }},
      {"profile expiresOn", {}, [](Profile p) { p.setExpiresOn("2027-06-29"); }},
      {"profile named", {}, [](Profile p) { p.setNamed(true); }},
      {"profile research", {}, [](Profile p) { p.initResearch().setCall("HORIZON-CL4"); }},
      {"profile requirements",
       {},
       [](Profile p) { p.initRequirements(1).set(0, wire::Requirement::PARTNER_TYPES); }},
      {"profile publishedOn", {}, [](Profile p) { p.setPublishedOn("2026-11-29"); }},
  };
  for (const auto& change : changes) {
    INFO("altered on the way in: " << change.field);
    Node fi("FI");
    fi.apply(altered(events, change));
    auto replica = fi.digest();
    CHECK(replica.organisations == 1);
    CHECK(replica.profiles == 1);
    CHECK(replica.hex != home.hex);
  }

  // What may differ per node leaves the digest alone; so does a faithful copy, which
  // shows that the rewriting above changes nothing but the field it names.
  std::vector<Alteration> alike = {
      {"nothing", {}, {}},
      {"organisation legalName (held only where named)",
       [](Org o) { o.setLegalName("Bałtyk Robotics"); },
       {}},
      {"profile timestamps",
       {},
       [](Profile p) {
         p.setCreatedUs(1);
         p.setUpdatedUs(2);
       }},
  };
  for (const auto& change : alike) {
    INFO("altered on the way in: " << change.field);
    Node fi("FI");
    fi.apply(altered(events, change));
    CHECK(fi.digest().hex == home.hex);
  }
}
