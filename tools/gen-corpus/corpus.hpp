#pragma once
// A realistic, labelled corpus for the matching benchmark and for demos: organisations
// and cooperation profiles of the seven countries, written from facets (an
// application area, a technology, a context) that carry real NACE Rev.2 classes and
// smart-specialisation domains. Planted pairs are a request and an offer on the same
// three facets, in two countries, worded with different paraphrases of each facet
// (never the same sentence); the rest is background drawn from the same facets at
// random. Deterministic for a seed and a day.
//
// As real profiles are (issue 12): owner types and sizes, partner types and sizes
// sought and cooperation types are drawn as they occur, independently for the two
// sides of a planted pair (not compatible by construction); a few profiles mark a
// preference as a requirement (the planted partner then meets it); some planted
// sides name a facet by its national-language term; publication and expiry dates
// spread over three years, some profiles expired; some restricted to target
// countries; some research requests seek another research request (a consortium
// partner). Hard negatives: near-copies of a planted partner that a hard rule
// excludes (same country as the request, expired, outside target countries).
#include <cstdint>
#include <string>
#include <vector>

#include "schemas/registry.capnp.h"

namespace gosmart::corpus {

struct Organisation {
  std::string ref;  // "pl-17"
  std::string country;
  std::string region;
  wire::OrgType type = wire::OrgType::SME;
  uint32_t headcount = 0;
  uint64_t turnover_eur = 0;
  std::string nace;
  std::string domain;
  std::vector<std::string> languages;
};

struct Profile {
  std::string ref;        // "p-123"
  std::size_t owner = 0;  // index into Corpus::organisations
  wire::ProfileKind kind = wire::ProfileKind::UNKNOWN;
  std::string title, summary, description;
  std::vector<std::string> keywords;
  std::vector<std::string> nace;
  std::vector<std::string> domains;
  std::vector<wire::CooperationType> cooperation;
  std::vector<std::string> target_countries;
  std::vector<wire::OrgType> partner_types;
  std::vector<wire::SizeClass> partner_sizes;
  std::vector<wire::Requirement> requirements;
  std::string published_on, expires_on;  // YYYY-MM-DD
  bool national_term = false;            // a facet named in the owner's national language
};

struct PlantedPair {
  std::size_t request = 0;  // index into Corpus::profiles
  std::size_t offer = 0;
  bool cross_language = false;  // one side names a facet in its national language only
};

struct Corpus {
  std::vector<Organisation> organisations;
  std::vector<Profile> profiles;
  std::vector<PlantedPair> planted;
  std::vector<std::size_t> hard_negatives;  // near-copies a hard rule excludes
  std::string today;                        // the day the dates are relative to
};

// `today`: YYYY-MM-DD the dates are drawn around (expired = before it).
Corpus generate(std::size_t profiles, std::size_t planted_pairs, uint64_t seed,
                const std::string& today);

// The size class of an owner (EU SME definition by headcount, as fill_owner gives it).
wire::SizeClass size_class(const Organisation& org);

// The profile and its owner's public classification, as a replica carries them.
void fill_profile(const Corpus& corpus, const Profile& profile, const std::string& id,
                  wire::Profile::Builder out);
void fill_owner(const Organisation& org, const std::string& id,
                wire::PublicOrganisation::Builder out);

}  // namespace gosmart::corpus
