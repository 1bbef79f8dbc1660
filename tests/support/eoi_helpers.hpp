#pragma once
// Expressions of interest across a test federation: a published profile of one
// country and an organisation of another to send from, the status each side holds,
// and the events a registry's log holds (read through its catch-up socket, as a
// subscriber would), for tests of the outbox between registries.
#include <string>
#include <vector>

#include "schemas/platform.capnp.h"
#include "tests/support/registry_federation.hpp"

namespace gosmart::testing {

struct EoiParties {
  std::string profile_id;  // published by the owner's country
  std::string sender_id;   // an organisation of the sender's country
};

// PL publishes a profile, FI registers an organisation, and FI's replica of the
// profile is there to express interest in.
inline EoiParties publish_for_eoi(Federation& f) {
  auto owner = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register",
                                      [](auto w) { fill_org(w.initOrganisation()); });
  ensure(owner.header().type == "registry.org.reply", "PL organisation not registered");
  std::string owner_id = owner.payload<wire::OrgReply>().getOrganisation().getId();
  auto submitted =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit",
                                 [&](auto w) { fill_profile(w.initProfile(), owner_id); });
  ensure(submitted.header().type == "registry.profile.reply", "PL profile not submitted");
  std::string profile_id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  auto published =
      f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  ensure(published.header().type == "registry.profile.reply", "PL profile not published");
  auto sender = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Lumo Imaging Oy");
  });
  ensure(sender.header().type == "registry.org.reply", "FI organisation not registered");
  ensure(eventually(
             [&] {
               auto d = f.call<wire::ProfileGet>("FI", f.broker, "registry.profile.get",
                                                 [&](auto g) { g.setId(profile_id); });
               return d.header().type == "registry.profile.reply";
             },
             10s),
         "the profile did not reach FI");
  return {profile_id, std::string(sender.payload<wire::OrgReply>().getOrganisation().getId())};
}

// FI's organisation expresses interest in PL's profile; the new EoI's id.
inline std::string send_eoi(Federation& f, const EoiParties& parties) {
  auto sent = f.call<wire::EoiSend>("FI", f.portal, "registry.eoi.send", [&](auto s) {
    s.setProfileId(parties.profile_id);
    s.setSenderOrgId(parties.sender_id);
    s.setMessage("We build thermal cameras and would license your coating.");
    s.setConsentToShare(true);
  });
  ensure(sent.header().type == "registry.eoi.reply", "registry.eoi.send was not taken");
  return sent.payload<wire::EoiReply>().getEoi().getId();
}

// "submitted", "forwarded", ... as the registry of `country` holds the EoI; "none"
// when it does not (or does not answer).
inline std::string eoi_status(Federation& f, const std::string& country, const std::string& id) {
  auto bytes =
      f.call_raw<wire::EoiGet>(country, f.broker, "registry.eoi.get", [&](auto g) { g.setId(id); });
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!d || d.value().header().type != "registry.eoi.reply") return "none";
  switch (d.value().payload<wire::EoiReply>().getEoi().getStatus()) {
    case wire::EoiStatus::SUBMITTED:
      return "submitted";
    case wire::EoiStatus::FORWARDED:
      return "forwarded";
    case wire::EoiStatus::UNDELIVERABLE:
      return "undeliverable";
    default:
      return "other";
  }
}

struct LoggedEvent {
  uint64_t seq = 0;
  std::string type;
  std::string eoi_id;  // for registry.eoi.* events
};

// Every event of `country`'s own origin in its log, through its sync socket.
inline std::vector<LoggedEvent> own_events(Federation& f, const std::string& country) {
  std::vector<LoggedEvent> events;
  ApiClient client(f.broker.keys);
  for (;;) {
    EnvelopeBuilder request(country, wire::Service::CTL, "platform.catchup.request");
    auto ask = request.init_payload<wire::CatchupRequest>();
    ask.setOrigin(country);
    ask.setAfterSeq(events.empty() ? 0 : events.back().seq);
    ask.setMaxEvents(500);
    auto reply =
        client.exchange(f.nodes.at(country).registry.sync, f.key(country), {request.encode()}, 5s);
    ensure(reply.size() == 1, "no catch-up page from " + country);
    auto page =
        decode_envelope({reinterpret_cast<const uint8_t*>(reply[0].data()), reply[0].size()});
    ensure(page.ok() && page.value().header().type == "platform.catchup.page",
           "catch-up from " + country + " refused");
    auto list = page.value().payload<wire::CatchupPage>().getEvents();
    for (auto bytes : list) {
      auto event = decode_envelope({bytes.begin(), bytes.size()});
      ensure(event.ok(), "an unreadable event in " + country + "'s log");
      LoggedEvent logged{event.value().header().origin_seq, event.value().header().type, ""};
      if (logged.type.rfind("registry.eoi.", 0) == 0) {
        logged.eoi_id = event.value().payload<wire::EoiEvent>().getEoiId();
      }
      events.push_back(std::move(logged));
    }
    if (list.size() == 0) return events;
  }
}

// How many events of this type about this EoI `country`'s log holds.
inline std::size_t eoi_events(Federation& f, const std::string& country, const std::string& type,
                              const std::string& eoi_id) {
  std::size_t n = 0;
  for (const auto& event : own_events(f, country)) {
    if (event.type == type && event.eoi_id == eoi_id) ++n;
  }
  return n;
}

}  // namespace gosmart::testing
