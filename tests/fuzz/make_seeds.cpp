// Writes the committed seed corpora of the fuzz targets (tests/fuzz/seeds/<target>/):
// a few valid messages of each kind, encoded with the project's own builders, and
// edge cases. Run it after a schema or route change and commit what changes:
//   build/dev/bin/gosmart-fuzz-make-seeds tests/fuzz/seeds
// Registry and matching seeds are "<route byte><role byte><flags byte><envelope>"
// (registry_request_fuzz.cpp); their names sort in the order that builds state
// (an organisation, its profile, an expression of interest on it, ...).
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/replication/event_frame.hpp"
#include "schemas/matching.capnp.h"
#include "schemas/platform.capnp.h"
#include "tests/fuzz/matching_fixture.hpp"
#include "tests/fuzz/matching_routes.hpp"
#include "tests/fuzz/registry_routes.hpp"

using namespace gosmart;
using config::Role;

namespace {

std::filesystem::path root;

// Names a payload type where a value is passed (Cap'n Proto structs have none).
template <class T>
struct As {
  using type = T;
};

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  auto dir = root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

template <class Route>
std::string selector(const std::vector<Route>& routes, std::string_view type, Role role,
                     bool commit) {
  auto route = std::find_if(routes.begin(), routes.end(), [&](auto& r) { return r.type == type; });
  if (route == routes.end()) throw std::logic_error("no route " + std::string(type));
  auto index = static_cast<char>(route - routes.begin());
  auto role_at = route->roles.find(role);
  if (role_at == route->roles.end()) throw std::logic_error("role not admitted");
  auto role_index = static_cast<char>(std::distance(route->roles.begin(), role_at));
  return std::string{index, role_index, static_cast<char>(commit ? 1 : 0)};
}

template <class Payload, class Fill>
std::string envelope(const std::string& country, wire::Service service, const std::string& type,
                     Fill&& fill) {
  EnvelopeBuilder builder(country, service, type);
  fill(builder.init_payload<Payload>());
  return builder.encode();
}

// ---- registry requests ----

void fill_org(wire::Organisation::Builder org) {
  org.setLegalName("Bałtyk Robotics");
  org.setCountry("PL");
  org.setRegion("PL42");
  org.setType(wire::OrgType::SME);
  org.setHeadcount(8);
  org.setTurnoverEur(900'000);
  org.initNaceCodes(1).set(0, "28.99");
  org.initDomains(1).set(0, "manufacturing");
  org.initLanguages(1).set(0, "pl");
}

void fill_eoi(wire::ExpressionOfInterest::Builder eoi, wire::EoiStatus status) {
  eoi.setId("FI-EOI-000001");
  eoi.setProfileId("TOPL20261130001");
  eoi.setOwnerCountry("PL");
  eoi.setSenderOrgId("FI-000001");
  eoi.setSenderCountry("FI");
  auto sender = eoi.initSender();
  sender.setId("FI-000001");
  sender.setCountry("FI");
  sender.setType(wire::OrgType::SME);
  eoi.setMessage("We would like to talk about weld inspection.");
  eoi.setConsentToShare(true);
  eoi.setStatus(status);
}

void registry_seeds() {
  const auto& routes = fuzz::registry_routes();
  auto request = [&](const std::string& name, std::string_view type, Role role, auto payload_tag,
                     auto&& fill, bool commit = true) {
    using Payload = typename decltype(payload_tag)::type;
    auto bytes = envelope<Payload>("PL", wire::Service::CTL, std::string(type), fill);
    write("registry_request", name, selector(routes, type, role, commit) + bytes);
  };
  request("00-org-register", "registry.org.register", Role::broker, As<wire::OrgWrite>{},
          [](auto w) { fill_org(w.initOrganisation()); });
  request(
      "01-org-register-lost", "registry.org.register", Role::integration, As<wire::OrgWrite>{},
      [](auto w) { fill_org(w.initOrganisation()); }, false);
  request("02-org-update", "registry.org.update", Role::broker, As<wire::OrgWrite>{}, [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setId("PL-000001");
    org.setHeadcount(60);
    auto contacts = org.initContacts(1);
    contacts[0].setName("Ewa Nowak");
    contacts[0].setEmail("ewa@baltyk.example.pl");
  });
  request("03-org-get", "registry.org.get", Role::monitor, As<wire::OrgGet>{},
          [](auto g) { g.setId("PL-000001"); });
  request("04-org-list", "registry.org.list", Role::broker, As<wire::OrgQuery>{}, [](auto q) {
    q.setNacePrefix("C28");
    q.setLimit(10);
  });
  request("05-profile-submit", "registry.profile.submit", Role::broker, As<wire::ProfileWrite>{},
          [](auto w) {
            auto p = w.initProfile();
            p.setOwnerId("PL-000001");
            p.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
            p.setTitle("Machine vision for weld inspection");
            p.setSummary("Camera system that inspects robot welds on the line.");
            p.setTrl(7);
            p.initKeywords(1).set(0, "welding");
            p.initNaceCodes(1).set(0, "28.99");
            p.initCooperationTypes(1).set(0, wire::CooperationType::LICENCE);
            p.setExpiresOn("2027-06-30");
          });
  request("06-profile-publish", "registry.profile.transition", Role::broker,
          As<wire::ProfileTransition>{}, [](auto t) {
            t.setProfileId("TOPL20261130001");
            t.setAction(wire::ProfileTransition::Action::PUBLISH);
          });
  request("07-profile-get", "registry.profile.get", Role::integration, As<wire::ProfileGet>{},
          [](auto g) { g.setId("TOPL20261130001"); });
  request("08-profile-list", "registry.profile.list", Role::monitor, As<wire::ProfileQuery>{},
          [](auto q) {
            q.setStatus(wire::ProfileStatus::PUBLISHED);
            q.setLimit(5);
          });
  request("09-eoi-deliver", "registry.eoi.deliver", Role::peer, As<wire::EoiPeerMessage>{},
          [](auto m) { fill_eoi(m.initEoi(), wire::EoiStatus::SUBMITTED); });
  request("10-eoi-get", "registry.eoi.get", Role::broker, As<wire::EoiGet>{},
          [](auto g) { g.setId("FI-EOI-000001"); });
  request("11-eoi-answer", "registry.eoi.answer", Role::broker, As<wire::EoiAnswer>{}, [](auto a) {
    a.setEoiId("FI-EOI-000001");
    a.setAccept(true);
  });
  request("12-eoi-advance", "registry.eoi.advance", Role::broker, As<wire::EoiAdvance>{},
          [](auto a) {
            a.setEoiId("FI-EOI-000001");
            a.setStatus(wire::EoiStatus::CONTACT_STARTED);
          });
  request("13-eoi-update", "registry.eoi.update", Role::peer, As<wire::EoiPeerMessage>{},
          [](auto m) { fill_eoi(m.initEoi(), wire::EoiStatus::NEGOTIATION); });
  // FI's published profile arrives on FI's stream: PL can now send an EoI to it.
  write("registry_request", "14-apply-peer-published",
        std::string{static_cast<char>(routes.size()), 0, 1} +
            fuzz::published_event(fuzz::matching_fixture_profiles()[1], 1));
  request("15-eoi-send", "registry.eoi.send", Role::broker, As<wire::EoiSend>{}, [](auto s) {
    s.setProfileId("TRFI20261130001");
    s.setSenderOrgId("PL-000001");
    s.setMessage("Our cameras inspect welds.");
    s.setConsentToShare(true);
  });
  request("16-actions-list", "registry.actions.list", Role::monitor, As<wire::OrgGet>{},
          [](auto) {});
  request("17-state-digest", "registry.state.digest", Role::broker, As<wire::StateDigestRequest>{},
          [](auto) {});
  request("18-profile-withdraw", "registry.profile.transition", Role::broker,
          As<wire::ProfileTransition>{}, [](auto t) {
            t.setProfileId("TOPL20261130001");
            t.setAction(wire::ProfileTransition::Action::WITHDRAW);
          });
  request("19-org-erase", "registry.org.erase", Role::broker, As<wire::OrgErase>{}, [](auto e) {
    e.setId("PL-000001");
    e.setReason("the owner asked");
  });
  // Edge cases: a payload of another type, an empty one, nonsense values, no envelope.
  request("20-submit-wrong-payload", "registry.profile.submit", Role::broker, As<wire::OrgGet>{},
          [](auto g) { g.setId("TOPL20261130001"); });
  request("21-update-empty", "registry.org.update", Role::integration, As<wire::OrgWrite>{},
          [](auto) {});
  request("22-register-odd-values", "registry.org.register", Role::broker, As<wire::OrgWrite>{},
          [](auto w) {
            auto org = w.initOrganisation();
            org.setId("PL-999999");
            org.setCountry("ZZ");
            org.setHeadcount(0xFFFFFFFF);
            org.setTurnoverEur(UINT64_MAX);
            org.initNaceCodes(1).set(0, "99.99.99");
            org.initLanguages(1).set(0, "xx");
          });
  write("registry_request", "23-not-an-envelope",
        selector(routes, "registry.org.get", Role::broker, true) + std::string("PL\0garbage", 10));
}

// ---- matching requests and registry events ----

std::string apply_selector() {
  return std::string{static_cast<char>(fuzz::matching_routes().size()), 0, 1};
}

void matching_seeds() {
  const auto& routes = fuzz::matching_routes();
  auto request = [&](const std::string& name, std::string_view type, Role role, auto payload_tag,
                     auto&& fill) {
    using Payload = typename decltype(payload_tag)::type;
    auto bytes = envelope<Payload>("PL", wire::Service::CTL, std::string(type), fill);
    write("matching_request", name, selector(routes, type, role, true) + bytes);
  };
  const auto& fixture = fuzz::matching_fixture_profiles();
  std::string a = fixture[0].id, b = fixture[1].id;
  std::string pair = matching::match_id(std::min(a, b), std::max(a, b));
  request("00-partners", "matching.partners", Role::integration, As<wire::PartnersRequest>{},
          [&](auto p) {
            p.setProfileId(a);
            p.setLimit(5);
          });
  request("01-search", "matching.search", Role::monitor, As<wire::SearchRequest>{}, [](auto s) {
    s.setText("robot welding inspection");
    s.initCountries(1).set(0, "FI");
    s.initKinds(1).set(0, wire::ProfileKind::TECHNOLOGY_REQUEST);
  });
  request("02-queue", "matching.queue", Role::broker, As<wire::QueueRequest>{},
          [](auto q) { q.setLimit(10); });
  request("03-match-get", "matching.match.get", Role::broker, As<wire::MatchGet>{},
          [&](auto g) { g.setMatchId(pair); });
  request("04-decide", "matching.decide", Role::broker, As<wire::MatchDecision>{}, [&](auto d) {
    d.setMatchId(pair);
    d.setApprove(true);
    d.setComment("a good fit");
  });
  auto event = [&](const std::string& name, const char* origin, const std::string& type,
                   auto payload_tag, auto&& fill) {
    using Payload = typename decltype(payload_tag)::type;
    write("matching_request", name,
          apply_selector() + envelope<Payload>(origin, wire::Service::REGISTRY, type, fill));
  };
  write("matching_request", "05-apply-published",
        apply_selector() + fuzz::published_event({"TOPL20261130009", "PL-000009", "PL",
                                                  wire::ProfileKind::TECHNOLOGY_OFFER,
                                                  "Weld seam cameras", "Inspection of welds."},
                                                 9));
  event("06-apply-withdrawn", "PL", "registry.profile.status", As<wire::ProfileStatusEvent>{},
        [](auto s) {
          s.setProfileId("BOPL20261130002");
          s.setOwnerId("PL-000002");
          s.setStatus(wire::ProfileStatus::WITHDRAWN);
        });
  event("07-apply-org-public", "FI", "registry.org.public", As<wire::OrgPublicEvent>{}, [](auto e) {
    auto org = e.initOrganisation();
    org.setId("FI-000001");
    org.setCountry("FI");
    org.setType(wire::OrgType::UNIVERSITY);
    org.initLanguages(2).set(0, "fi");
    org.getLanguages().set(1, "en");
  });
  event("08-apply-erased", "FI", "registry.org.erased", As<wire::OrgErasedEvent>{}, [](auto e) {
    e.setOrganisationId("FI-000002");
    e.initProfileIds(1).set(0, "BRFI20261130002");
  });
  request("09-search-nothing", "matching.search", Role::broker, As<wire::SearchRequest>{},
          [](auto) {});
  request("10-partners-unknown", "matching.partners", Role::broker, As<wire::PartnersRequest>{},
          [](auto p) { p.setProfileId("nope"); });
  request("11-decide-wrong-payload", "matching.decide", Role::broker, As<wire::QueueRequest>{},
          [](auto q) { q.setLimit(0xFFFFFFFF); });
}

// ---- PUB frames ----

// A message of several segments: Cap'n Proto's tables with more than one entry.
std::string multi_segment() {
  capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
  auto heartbeat = message.initRoot<wire::Heartbeat>();
  auto heads = heartbeat.initHeads(3);
  for (unsigned i = 0; i < 3; ++i) heads[i].setOrigin("PL");
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return {reinterpret_cast<const char*>(bytes.begin()), bytes.size()};
}

void frame_seeds() {
  auto published = fuzz::published_event(fuzz::matching_fixture_profiles()[0], 1);
  auto second = fuzz::published_event(fuzz::matching_fixture_profiles()[2], 2);
  auto label = replication::event_label("PL", "registry.profile.published");
  write("event_frame", "00-one-event", replication::event_frame(label, published));
  write("event_frame", "01-two-events", replication::event_frame(label, published + second));
  auto heartbeat =
      envelope<wire::Heartbeat>("PL", wire::Service::REGISTRY, "platform.heartbeat", [](auto h) {
        auto heads = h.initHeads(1);
        heads[0].setOrigin("PL");
        heads[0].setLastSeq(42);
      });
  write("event_frame", "02-heartbeat", replication::event_frame("platform.heartbeat", heartbeat));
  write("event_frame", "03-multi-segment",
        replication::event_frame(label, multi_segment() + published));
  write("event_frame", "04-cut-short",
        replication::event_frame(label, published + second.substr(0, second.size() / 2)));
  write("event_frame", "05-label-64", std::string(64, 'x') + '\0' + published);
  write("event_frame", "06-label-too-long", std::string(65, 'x') + '\0' + published);
  write("event_frame", "07-no-label-end", label);
  // Segment tables that lie: too many segments, a segment past the end.
  write("event_frame", "08-segment-count-max",
        label + '\0' + std::string("\xff\xff\xff\xff\x01\0\0\0", 8));
  write("event_frame", "09-segment-too-big",
        label + '\0' + std::string("\0\0\0\0\xff\xff\xff\x7f", 8) + std::string(16, '\0'));
  write("event_frame", "10-empty-message", label + '\0' + std::string(8, '\0'));
}

// ---- JSON Lines import ----

void jsonl_seeds() {
  write("jsonl_import", "00-organisation",
        R"({"ref":"legacy-1","organisation":{"legalName":"Bałtyk Robotics","type":"sme",)"
        R"("headcount":8,"naceCodes":["28.99"],"languages":["pl","en"],)"
        R"("contacts":[{"name":"Ewa","email":"ewa@b.example.pl","phone":"+48 58 000 00 00"}]}})");
  write("jsonl_import", "01-profile",
        R"({"ownerRef":"legacy-1","publish":true,"profile":{"kind":"technologyOffer",)"
        R"("title":"Machine vision","summary":"Weld inspection","trl":7,)"
        R"("keywords":["welding"],"cooperationTypes":["licence"],"expiresOn":"2027-06-30"}})");
  write(
      "jsonl_import", "02-profile-owner-id",
      R"({"ownerRef":"x","profile":{"ownerId":"PL-000042","kind":"businessRequest","title":"T"}})");
  write("jsonl_import", "03-unknown-field", R"({"organisation":{"legalName":"X","bogus":1}})");
  write("jsonl_import", "04-bad-enum", R"({"organisation":{"type":"giant"}})");
  write("jsonl_import", "05-both-kinds", R"({"organisation":{},"profile":{}})");
  write("jsonl_import", "06-not-json", R"({"organisation":{"legalName":"X")");
  write("jsonl_import", "07-wrong-types",
        R"({"ref":1,"organisation":{"headcount":"many","naceCodes":"28.99","trl":1e400}})");
  write("jsonl_import", "08-nested-lists",
        R"({"organisation":{"contacts":[{"name":"A"},{"name":["B"]}],"languages":[["pl"]]}})");
  write("jsonl_import", "09-escapes",
        "{\"organisation\":{\"legalName\":\"\\u0000\\ud83d\\ude00\\\"\\\\ "
        "\xc5\x81\xc3\xb3"
        "d\xc5\xba\"}}");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gosmart-fuzz-make-seeds <seeds directory>\n";
    return 2;
  }
  root = argv[1];
  registry_seeds();
  matching_seeds();
  frame_seeds();
  jsonl_seeds();
  return 0;
}
