#pragma once
// Organisations able to do a research request's research that have no published
// profile (issue 12 item 2): from the public organisation replicas, universities,
// research institutes and organisations classified in NACE division 72 (scientific
// research and development). They are ranked for a research request by what the
// request seeks, one direction (they state no needs): shared domains and NACE
// closeness, equal weights, each left out when the request names none.
#include <string>
#include <vector>

#include "schemas/matching.capnp.h"
#include "services/matching/domain/profile_index.hpp"

namespace gosmart::matching {

struct OrgDoc {
  std::string id;
  std::string name;  // empty unless it chose to be named
  uint8_t country = 0;
  uint8_t type = 0;               // wire::OrgType
  uint8_t size = 0;               // wire::SizeClass
  std::vector<uint16_t> domains;  // interned, sorted, unique
  std::vector<NaceCode> nace;
};

bool able_to_research(wire::PublicOrganisation::Reader org);
OrgDoc make_org_doc(ProfileIndex& index, wire::PublicOrganisation::Reader org);

struct OrgCandidate {
  const OrgDoc* org = nullptr;
  double domains = 0, nace = 0;  // 0..1 each
  bool has_domains = false, has_nace = false;
  double score = 0;
};

// The best `limit` organisations for `request` with a score above 0: another country
// than the request's when `transnational`, within its target countries, none with a
// published profile in the index.
std::vector<OrgCandidate> find_research_organisations(const ProfileIndex& index,
                                                      const std::vector<const OrgDoc*>& orgs,
                                                      const Doc& request, bool transnational,
                                                      std::size_t limit);

// The components (with contributions that add up to the score), shared domains and
// NACE links of one candidate.
void explain_organisation(const ProfileIndex& index, const Doc& request,
                          const OrgCandidate& candidate, wire::Explanation::Builder out);

}  // namespace gosmart::matching
