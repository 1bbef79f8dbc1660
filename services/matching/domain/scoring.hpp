#pragma once
// How well one profile fits what another seeks, component by component, and the
// reciprocal score of a pair: the harmonic mean of both directions, so a match is
// good for both sides or it is not good.
#include <array>
#include <string>
#include <vector>

#include "services/matching/domain/profile_index.hpp"

namespace gosmart::matching {

// How much each component counts ([matching.weights] of the node's config).
struct Weights {
  double domains = 0.25;
  double nace = 0.2;
  double text = 0.4;
  double cooperation = 0.1;
  double languages = 0.05;
};

enum Component { kDomains, kNace, kText, kCooperation, kLanguages, kComponents };
const char* component_name(int component);

// One direction: how well `other` fits what `seeker` seeks. A component the seeker
// says nothing about (no domains, no cooperation types, ...) is left out and the
// others share its weight.
struct DirectionScore {
  std::array<double, kComponents> value{};
  std::array<bool, kComponents> present{};
  double total = 0;
};

struct PairScore {
  DirectionScore forward;   // B for A
  DirectionScore backward;  // A for B
  double score = 0;         // harmonic mean of forward.total and backward.total
};

class Scorer {
 public:
  Scorer(const ProfileIndex& index, Weights weights) : index_(index), weights_(weights) {}

  // Terms in more than 5 % of the profiles say little about a match (the profile
  // genre's own vocabulary: partner, company, develop); they are left out of BM25,
  // which also keeps a query from touching most of the index.
  bool significant(uint32_t term) const;

  // Okapi BM25 (k1 1.2, b 0.75) of `query`'s significant terms against `doc`.
  double bm25(const Doc& query, const Doc& doc) const;
  // The part one term adds, given its frequency in the document.
  double bm25_term(uint32_t term, uint16_t frequency, uint32_t doc_length) const;

  // `text_ratio`: bm25(seeker -> other) / bm25(seeker -> seeker).
  DirectionScore direction(const Doc& seeker, const Doc& other, double text_ratio) const;
  PairScore pair(const Doc& a, const Doc& b, double forward_ratio, double backward_ratio) const;
  PairScore pair(const Doc& a, const Doc& b) const;  // computes both BM25 ratios

  // Hard constraints, both ways: complementary kinds, target countries, partner
  // types and sizes, cooperation types, domains shared with a research request.
  bool compatible(const Doc& a, const Doc& b) const;

  const ProfileIndex& index() const { return index_; }
  const Weights& weights() const { return weights_; }

 private:
  const ProfileIndex& index_;
  Weights weights_;
};

// Kinds that complement `kind`: business offer <-> request, technology offer <->
// request, research-partner request <-> technology offers (which must share a domain
// with it). Two requests never match: neither side offers anything.
const std::vector<uint8_t>& complementary_kinds(uint8_t kind);

// The shared domains, NACE links, terms, cooperation types and languages of a pair,
// with what each component contributed, into `out`.
void explain(const Scorer& scorer, const Doc& a, const Doc& b, const PairScore& score,
             wire::Explanation::Builder out, std::size_t max_terms = 8);

}  // namespace gosmart::matching
