#include "services/matching/domain/matcher.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace gosmart::matching {

namespace {

// Per-thread scratch: a BM25 accumulator per slot, and a generation stamp per slot so
// nothing has to be cleared between queries.
struct Scratch {
  std::vector<float> text;
  std::vector<uint32_t> stamp;
  std::vector<Slot> touched;
  uint32_t generation = 0;

  void begin(std::size_t slots) {
    if (text.size() < slots) {
      text.resize(slots);
      stamp.resize(slots, 0);
    }
    touched.clear();
    if (++generation == 0) {  // wrapped: old stamps could collide
      std::fill(stamp.begin(), stamp.end(), 0);
      generation = 1;
    }
  }
  void touch(Slot slot) {
    if (stamp[slot] == generation) return;
    stamp[slot] = generation;
    text[slot] = 0;
    touched.push_back(slot);
  }
};

// The query's own filters, before the pair's hard rules: the profile itself, the
// transnational rule, the countries asked for. The rule's name, or null when none.
const char* filtered_out(const Scorer& scorer, const MatchQuery& query, const Doc& doc) {
  const Doc& q = *query.doc;
  if (!doc.live || (!q.profile_id.empty() && doc.profile_id == q.profile_id)) return "itself";
  if (query.transnational && doc.country == q.country && !q.profile_id.empty()) {
    return rule_name(Rule::same_country);
  }
  if (query.only_country && doc.country != *query.only_country) return "another node's country";
  if (query.countries_mask != 0 &&
      (doc.country >= 32 || !(query.countries_mask & (1u << doc.country)))) {
    return "outside the countries asked for";
  }
  if (query.reciprocal) {
    if (auto rule = scorer.excluded_by(q, doc)) return rule_name(*rule);
  } else if (doc.expires_day > 0 && doc.expires_day < scorer.today()) {
    return rule_name(Rule::expired);
  }
  return nullptr;
}

bool shares_significant_term(const Scorer& scorer, const Doc& a, const Doc& b) {
  bool shared = false;
  for_each_shared_term(a, b, [&](uint32_t term, uint16_t, uint16_t) {
    shared = shared || scorer.significant(term);
  });
  return shared;
}

bool shares_domain_or_division(const Doc& a, const Doc& b) {
  for (auto domain : a.domains) {
    if (std::binary_search(b.domains.begin(), b.domains.end(), domain)) return true;
  }
  for (const auto& mine : a.nace) {
    for (const auto& theirs : b.nace) {
      if (mine.division == theirs.division) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::size_t>> exclusions(const Scorer& scorer,
                                                            const MatchQuery& query) {
  const auto& index = scorer.index();
  const Doc& q = *query.doc;
  const auto& kinds = query.kinds.empty() ? complementary_kinds(q.kind) : query.kinds;
  std::vector<std::pair<std::string, std::size_t>> counts;
  auto count = [&](const std::string& rule) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == rule; });
    if (it == counts.end()) {
      counts.emplace_back(rule, 1);
    } else {
      ++it->second;
    }
  };
  for (Slot slot = 0; slot < index.slots(); ++slot) {
    const Doc& doc = index.doc(slot);
    if (!doc.live || std::find(kinds.begin(), kinds.end(), doc.kind) == kinds.end()) continue;
    const char* rule = filtered_out(scorer, query, doc);
    if (rule && std::string_view(rule) == "itself") continue;
    if (rule) {
      count(rule);
    } else if (q.terms.empty() ? !shares_domain_or_division(q, doc)
                               : !shares_significant_term(scorer, q, doc)) {
      count("nothing in common");
    } else {
      count("below threshold");
    }
  }
  return counts;
}

std::vector<Candidate> find_partners(const Scorer& shared_scorer, const MatchQuery& query) {
  // One day for the whole query: the clock is read once, not per candidate.
  Scorer scorer = shared_scorer;
  scorer.fix_today(shared_scorer.today());
  const auto& index = scorer.index();
  const Doc& q = *query.doc;
  const auto& kinds = query.kinds.empty() ? complementary_kinds(q.kind) : query.kinds;
  thread_local Scratch scratch;
  scratch.begin(index.slots());

  for (uint8_t kind : kinds) {
    for (const auto& [term, frequency] : q.terms) {
      (void)frequency;
      if (!scorer.significant(term)) continue;
      for (const auto& posting : index.postings(kind, term)) {
        scratch.touch(posting.slot);
        const auto& doc = index.doc(posting.slot);
        scratch.text[posting.slot] +=
            static_cast<float>(scorer.bm25_term(term, posting.frequency, doc.length));
      }
    }
    // Without text, candidates come from shared domains and NACE divisions.
    if (!q.terms.empty()) continue;
    for (auto domain : q.domains) {
      for (auto slot : index.domain_postings(kind, domain)) scratch.touch(slot);
    }
    uint8_t last_division = 0;
    for (const auto& code : q.nace) {
      if (code.division == last_division) continue;
      last_division = code.division;
      for (auto slot : index.division_postings(kind, code.division)) scratch.touch(slot);
    }
  }

  double self = scorer.bm25(q, q);
  std::vector<Candidate> candidates;
  candidates.reserve(scratch.touched.size());
  for (Slot slot : scratch.touched) {
    const Doc& doc = index.doc(slot);
    if (filtered_out(scorer, query, doc)) continue;
    Candidate c;
    c.slot = slot;
    c.score.one_way = !query.reciprocal;
    c.score.forward = scorer.direction(q, doc, self > 0 ? scratch.text[slot] / self : 0);
    c.score.score = c.score.forward.total;
    candidates.push_back(c);
  }

  auto by_score = [](const Candidate& x, const Candidate& y) {
    if (x.score.score != y.score.score) return x.score.score > y.score.score;
    return x.slot < y.slot;  // stable order for equal scores
  };
  if (query.reciprocal) {
    std::size_t keep = std::min(candidates.size(), std::max(query.rescore, query.limit));
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep),
                      candidates.end(), by_score);
    candidates.resize(keep);
    for (auto& c : candidates) {
      const Doc& doc = index.doc(c.slot);
      double doc_self = scorer.bm25(doc, doc);
      double backward = doc_self > 0 ? scorer.bm25(doc, q) / doc_self : 0;
      c.score.backward = scorer.direction(doc, q, backward);
      double f = c.score.forward.total, b = c.score.backward.total;
      c.score.score = f + b > 0 ? 2 * f * b / (f + b) : 0;
    }
  }
  std::erase_if(candidates, [&](const Candidate& c) { return c.score.score < query.min_score; });
  std::size_t k = std::min(candidates.size(), query.limit);
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                    candidates.end(), by_score);
  candidates.resize(k);
  return candidates;
}

}  // namespace gosmart::matching
