#pragma once
// How well one profile fits what another seeks, component by component, and the
// reciprocal score of a pair: the harmonic mean of both directions, so a match is
// good for both sides or it is not good.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "services/matching/domain/profile_index.hpp"

namespace gosmart::matching {

// How much each component counts ([matching.weights] of the node's config). The
// preferences (cooperation, partner types and sizes) and freshness weigh little: real
// profiles state them loosely, so they order partners of equal substance rather than
// outweigh what the profiles are about (bench/README.md has the figures).
struct Weights {
  double domains = 0.25;
  double nace = 0.2;
  double text = 0.4;
  double cooperation = 0.03;
  double languages = 0.05;
  double partner_types = 0.02;
  double partner_sizes = 0.01;
  double freshness = 0.01;
};

enum Component {
  kDomains,
  kNace,
  kText,
  kCooperation,
  kLanguages,
  kPartnerTypes,
  kPartnerSizes,
  kFreshness,
  kComponents
};
const char* component_name(int component);
double weight_of(const Weights& weights, int component);

// Freshness halves every this many days of a partner profile's age.
inline constexpr double kFreshnessHalfLifeDays = 365;

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
  bool one_way = false;     // a free search: the score is forward.total
};

// The rules that exclude a pair whatever its score (both directions).
enum class Rule {
  other_kind,            // not a complementary kind
  same_owner,            // one organisation's own profiles
  same_country,          // [matching] transnational
  expired,               // past its expiresOn day
  outside_targets,       // not among the other's target countries
  required_type,         // a partner type marked as a requirement
  required_size,         // a partner size marked as a requirement
  required_cooperation,  // no cooperation type in common, marked as a requirement
};
const char* rule_name(Rule rule);

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

  // The first hard rule the pair breaks, both ways: complementary kinds, never the
  // same owner, not expired, target countries, and the preferences a side marked as
  // requirements. The transnational rule is the query's (MatchQuery).
  std::optional<Rule> excluded_by(const Doc& a, const Doc& b) const;
  bool compatible(const Doc& a, const Doc& b) const { return !excluded_by(a, b); }

  // Days since 1970-01-01 used for expiry and freshness: today unless fixed (tests,
  // the benchmark).
  int32_t today() const;
  void fix_today(int32_t day) { fixed_today_ = day; }

  const ProfileIndex& index() const { return index_; }
  const Weights& weights() const { return weights_; }

 private:
  const ProfileIndex& index_;
  Weights weights_;
  std::optional<int32_t> fixed_today_;
};

// Kinds that complement `kind`: business offer <-> request, technology offer <->
// request and research-partner request, research-partner request <-> research-partner
// request (partners of one consortium). A business or technology request never
// matches another request: neither side offers anything.
const std::vector<uint8_t>& complementary_kinds(uint8_t kind);

// The shared domains, NACE links, terms, cooperation types, languages and unmet
// preferences of a pair, with what each component contributed to the score, into
// `out` (explanation.cpp).
void explain(const Scorer& scorer, const Doc& a, const Doc& b, const PairScore& score,
             wire::Explanation::Builder out, std::size_t max_terms = 8);

}  // namespace gosmart::matching
