#pragma once
// A few published profiles of PL and FI that match each other, as the local
// registry's stream carries them: matching_request_fuzz.cpp applies them once at
// start so that partners, queue, decide and match.get have matches to work on, and
// make_seeds.cpp names them in its seeds.
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "schemas/registry.capnp.h"

namespace gosmart::fuzz {

struct FixtureProfile {
  const char* id;
  const char* owner;
  const char* country;
  wire::ProfileKind kind;
  const char* title;
  const char* summary;
};

inline const std::vector<FixtureProfile>& matching_fixture_profiles() {
  static const std::vector<FixtureProfile> profiles = {
      {"TOPL20261130001", "PL-000001", "PL", wire::ProfileKind::TECHNOLOGY_OFFER,
       "Machine vision for weld inspection",
       "Camera system that inspects robot welds on the line."},
      {"TRFI20261130001", "FI-000001", "FI", wire::ProfileKind::TECHNOLOGY_REQUEST,
       "Weld inspection by machine vision wanted",
       "Shipyard seeks a camera system to inspect robot welds."},
      {"BOPL20261130002", "PL-000002", "PL", wire::ProfileKind::BUSINESS_OFFER,
       "Distributor of robot grippers", "Collaborative robot grippers for small factories."},
      {"BRFI20261130002", "FI-000002", "FI", wire::ProfileKind::BUSINESS_REQUEST,
       "Robot grippers wanted for distribution", "Distributor seeks collaborative grippers."},
  };
  return profiles;
}

// "registry.profile.published" from the profile's own country.
inline std::string published_event(const FixtureProfile& p, uint64_t seq) {
  EnvelopeBuilder builder(p.country, wire::Service::REGISTRY, "registry.profile.published", seq);
  auto event = builder.init_payload<wire::ProfilePublishedEvent>();
  auto profile = event.initProfile();
  profile.setId(p.id);
  profile.setOwnerId(p.owner);
  profile.setKind(p.kind);
  profile.setStatus(wire::ProfileStatus::PUBLISHED);
  profile.setTitle(p.title);
  profile.setSummary(p.summary);
  profile.initKeywords(2).set(0, "robot");
  profile.getKeywords().set(1, "welding");
  profile.initNaceCodes(1).set(0, "28.99");
  profile.initDomains(1).set(0, "manufacturing");
  profile.initCooperationTypes(1).set(0, wire::CooperationType::TECHNICAL_COOPERATION);
  profile.setExpiresOn("2027-06-30");
  auto owner = event.initOwner();
  owner.setId(p.owner);
  owner.setCountry(p.country);
  owner.setType(wire::OrgType::SME);
  owner.setSizeClass(wire::SizeClass::SMALL);
  owner.initNaceCodes(1).set(0, "28.99");
  owner.initDomains(1).set(0, "manufacturing");
  owner.initLanguages(1).set(0, "en");
  return builder.encode();
}

}  // namespace gosmart::fuzz
