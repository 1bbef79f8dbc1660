#pragma once
// Hand-built profiles for the matching library's unit tests: a spec per profile,
// indexed as the service would index it.
#include <capnp/message.h>

#include <map>
#include <string>
#include <vector>

#include "services/matching/domain/matcher.hpp"
#include "services/matching/domain/text_analysis.hpp"

namespace gosmart::matching::test {

using Kind = wire::ProfileKind;

struct ProfileSpec {
  std::string id;
  std::string owner;
  std::string country;
  Kind kind;
  std::string text;
  std::vector<std::string> domains;
  std::vector<std::string> nace;
  std::vector<wire::CooperationType> cooperation = {};
  std::vector<std::string> targets = {};
  std::vector<wire::OrgType> partner_types = {};
  wire::OrgType owner_type = wire::OrgType::SME;
  std::vector<std::string> languages = {"en"};
  std::vector<wire::Requirement> requirements = {};
  std::string expires_on = "";
  std::string published_on = "";
  wire::SizeClass owner_size = wire::SizeClass::SMALL;
};

class Corpus {
 public:
  Analyser analyser;
  ProfileIndex index;

  void add(const ProfileSpec& spec) {
    capnp::MallocMessageBuilder message;
    build(spec, message.initRoot<wire::IndexedProfile>());
    index.add(message.getRoot<wire::IndexedProfile>().asReader());
  }

  void build(const ProfileSpec& spec, wire::IndexedProfile::Builder record) {
    auto profile = record.initProfile();
    profile.setId(spec.id);
    profile.setOwnerId(spec.owner);
    profile.setKind(spec.kind);
    profile.setTitle(spec.text.substr(0, spec.text.find('.')));
    auto set_list = [](auto list, const auto& values) {
      for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
    };
    set_list(profile.initDomains(static_cast<unsigned>(spec.domains.size())), spec.domains);
    set_list(profile.initNaceCodes(static_cast<unsigned>(spec.nace.size())), spec.nace);
    set_list(profile.initCooperationTypes(static_cast<unsigned>(spec.cooperation.size())),
             spec.cooperation);
    set_list(profile.initTargetCountries(static_cast<unsigned>(spec.targets.size())), spec.targets);
    set_list(profile.initPartnerTypes(static_cast<unsigned>(spec.partner_types.size())),
             spec.partner_types);
    set_list(profile.initRequirements(static_cast<unsigned>(spec.requirements.size())),
             spec.requirements);
    profile.setExpiresOn(spec.expires_on);
    profile.setPublishedOn(spec.published_on);
    auto owner = record.initOwner();
    owner.setId(spec.owner);
    owner.setCountry(spec.country);
    owner.setType(spec.owner_type);
    owner.setSizeClass(spec.owner_size);
    set_list(owner.initLanguages(static_cast<unsigned>(spec.languages.size())), spec.languages);
    std::map<std::string, uint16_t> counts;
    for (const auto& term : analyser.terms(spec.text)) ++counts[term];
    auto terms = record.initTerms(static_cast<unsigned>(counts.size()));
    unsigned i = 0;
    for (const auto& [term, count] : counts) {
      terms[i].setTerm(term);
      terms[i++].setCount(count);
    }
  }

  const Doc& doc(const std::string& id) { return index.doc(*index.find(id)); }
};

inline std::vector<std::string> ids(const Corpus& c, const std::vector<Candidate>& found) {
  std::vector<std::string> out;
  for (const auto& candidate : found) out.push_back(c.index.doc(candidate.slot).profile_id);
  return out;
}

inline const std::string kVisionRequest =
    "Machine vision for weld inspection. We need an automated optical inspection system "
    "that finds defects in welded seams of steel frames on our production line.";
inline const std::string kVisionOffer =
    "Optical inspection of welds with machine vision. Our camera system detects seam "
    "defects automatically, for steel fabrication and production lines.";
inline const std::string kBakeryOffer =
    "Gluten-free bakery products. We bake gluten-free bread and pastry and look for "
    "distributors in retail.";

}  // namespace gosmart::matching::test

using namespace gosmart;
using namespace gosmart::matching;
using namespace gosmart::matching::test;
