#pragma once
// Finds the best partners of a profile (or of a free query) in the index:
//  1. candidates: documents of the complementary kinds that share a significant
//     term with the query (or, for a query without text, a domain or a NACE
//     division); BM25 of the query's terms accumulates term at a time over postings;
//  2. hard rules (both directions: Scorer::excluded_by) and the transnational rule;
//     preferences only rank, unless a profile marks one as a requirement;
//  3. the forward score of every candidate, and the full reciprocal score of the
//     best `rescore` of them, from which the top K are returned.
#include <optional>
#include <vector>

#include "services/matching/domain/scoring.hpp"

namespace gosmart::matching {

struct MatchQuery {
  const Doc* doc = nullptr;
  // Kinds to look in; empty: the query kind's complements.
  std::vector<uint8_t> kinds;
  bool reciprocal = true;               // false for a free search: no seeker profile to fit
  bool transnational = true;            // candidates from another country than the query's
  std::optional<uint8_t> only_country;  // candidates from this country only
  uint32_t countries_mask = 0;          // candidates from these countries only; 0: any
  std::size_t limit = 10;
  double min_score = 0;
  std::size_t rescore = 200;
};

struct Candidate {
  Slot slot = 0;
  PairScore score;
};

std::vector<Candidate> find_partners(const Scorer& scorer, const MatchQuery& query);

// Why `query` found nothing: every indexed profile of the kinds it looks in, counted
// under the first rule that removed it ("same country", "expired", ...), then
// "nothing in common" (no significant term, domain or NACE division shared) and
// "below threshold" for the rest. Rules with no profile are left out. A full scan
// of the kinds sought: for an empty result only.
std::vector<std::pair<std::string, std::size_t>> exclusions(const Scorer& scorer,
                                                            const MatchQuery& query);

}  // namespace gosmart::matching
