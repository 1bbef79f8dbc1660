#include "services/matching/domain/scoring.hpp"

#include <algorithm>
#include <cmath>

#include "services/matching/domain/calendar.hpp"
#include "services/matching/domain/preferences.hpp"

namespace gosmart::matching {

namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

using Kind = wire::ProfileKind;

bool in_mask(uint32_t mask, unsigned bit) {
  return mask == 0 || (bit < 32 && (mask & (1u << bit)));
}

double harmonic(double x, double y) {
  return x + y <= 0 ? 0.0 : 2 * x * y / (x + y);
}

std::optional<Rule> requirement_rule(const Doc& seeker, const Doc& other) {
  auto unmet = unmet_requirement(seeker, other);
  if (!unmet) return std::nullopt;
  switch (*unmet) {
    case wire::Requirement::PARTNER_TYPES:
      return Rule::required_type;
    case wire::Requirement::PARTNER_SIZES:
      return Rule::required_size;
    default:
      return Rule::required_cooperation;
  }
}

}  // namespace

const char* component_name(int component) {
  static const char* names[] = {"domains",   "nace",         "text",         "cooperation",
                                "languages", "partnerTypes", "partnerSizes", "freshness"};
  return component >= 0 && component < kComponents ? names[component] : "unknown";
}

double weight_of(const Weights& w, int component) {
  const double weights[kComponents] = {w.domains,   w.nace,          w.text,          w.cooperation,
                                       w.languages, w.partner_types, w.partner_sizes, w.freshness};
  return component >= 0 && component < kComponents ? weights[component] : 0.0;
}

const char* rule_name(Rule rule) {
  switch (rule) {
    case Rule::other_kind:
      return "not a complementary kind";
    case Rule::same_owner:
      return "same owner";
    case Rule::same_country:
      return "same country";
    case Rule::expired:
      return "expired";
    case Rule::outside_targets:
      return "outside target countries";
    case Rule::required_type:
      return "partner type required";
    case Rule::required_size:
      return "partner size required";
    case Rule::required_cooperation:
      return "cooperation type required";
  }
  return "unknown";
}

const std::vector<uint8_t>& complementary_kinds(uint8_t kind) {
  static const std::vector<uint8_t> none;
  constexpr auto rdr = static_cast<uint8_t>(Kind::RESEARCH_PARTNER_REQUEST);
  static const std::vector<uint8_t> table[] = {
      {},                                                     // unknown
      {static_cast<uint8_t>(Kind::BUSINESS_REQUEST)},         // BO
      {static_cast<uint8_t>(Kind::BUSINESS_OFFER)},           // BR
      {static_cast<uint8_t>(Kind::TECHNOLOGY_REQUEST), rdr},  // TO
      {static_cast<uint8_t>(Kind::TECHNOLOGY_OFFER)},         // TR
      {static_cast<uint8_t>(Kind::TECHNOLOGY_OFFER), rdr},    // RDR
  };
  return kind < kKinds ? table[kind] : none;
}

double Scorer::bm25_term(uint32_t term, uint16_t frequency, uint32_t doc_length) const {
  double f = frequency;
  double norm = kK1 * (1 - kB + kB * doc_length / index_.average_length());
  return index_.idf(term) * f * (kK1 + 1) / (f + norm);
}

bool Scorer::significant(uint32_t term) const {
  auto n = index_.size();
  return n < 1000 || index_.document_frequency(term) * 20 <= n;
}

double Scorer::bm25(const Doc& query, const Doc& doc) const {
  double sum = 0;
  for_each_shared_term(query, doc, [&](uint32_t term, uint16_t, uint16_t in_doc) {
    if (significant(term)) sum += bm25_term(term, in_doc, doc.length);
  });
  return sum;
}

int32_t Scorer::today() const {
  return fixed_today_ ? *fixed_today_ : today_number();
}

DirectionScore Scorer::direction(const Doc& seeker, const Doc& other, double text_ratio) const {
  DirectionScore d;
  auto set = [&](int component, double value) {
    d.value[component] = value;
    d.present[component] = true;
  };
  if (!seeker.domains.empty()) {
    std::size_t shared = 0;
    for (auto domain : seeker.domains) {
      shared += std::binary_search(other.domains.begin(), other.domains.end(), domain);
    }
    set(kDomains, static_cast<double>(shared) / static_cast<double>(seeker.domains.size()));
  }
  if (!seeker.nace.empty() && !other.nace.empty()) {
    double sum = 0;
    for (const auto& mine : seeker.nace) {
      double best = 0;
      for (const auto& theirs : other.nace)
        best = std::max(best, closeness(shared_level(mine, theirs)));
      sum += best;
    }
    set(kNace, sum / static_cast<double>(seeker.nace.size()));
  }
  if (!seeker.terms.empty()) {
    // A partner's wording overlaps its counterpart's only in part; the square root
    // spreads the low ratios that real pairs have over the scale.
    set(kText, std::sqrt(std::clamp(text_ratio, 0.0, 1.0)));
  }
  if (auto fit = cooperation_fit(seeker, other)) set(kCooperation, *fit);
  if (seeker.languages_mask != 0 && other.languages_mask != 0) {
    set(kLanguages, (seeker.languages_mask & other.languages_mask) != 0 ? 1.0 : 0.0);
  }
  if (auto fit = partner_type_fit(seeker, other)) set(kPartnerTypes, *fit);
  if (auto fit = partner_size_fit(seeker, other)) set(kPartnerSizes, *fit);
  if (other.published_day > 0) {
    double age = std::max(0, today() - other.published_day);
    set(kFreshness, std::exp2(-age / kFreshnessHalfLifeDays));
  }
  double weighted = 0, total_weight = 0;
  for (int c = 0; c < kComponents; ++c) {
    if (!d.present[c]) continue;
    weighted += weight_of(weights_, c) * d.value[c];
    total_weight += weight_of(weights_, c);
  }
  d.total = total_weight > 0 ? weighted / total_weight : 0;
  return d;
}

PairScore Scorer::pair(const Doc& a, const Doc& b, double forward_ratio,
                       double backward_ratio) const {
  PairScore score;
  score.forward = direction(a, b, forward_ratio);
  score.backward = direction(b, a, backward_ratio);
  score.score = harmonic(score.forward.total, score.backward.total);
  return score;
}

PairScore Scorer::pair(const Doc& a, const Doc& b) const {
  auto ratio = [&](const Doc& seeker, const Doc& other) {
    double self = bm25(seeker, seeker);
    return self > 0 ? bm25(seeker, other) / self : 0.0;
  };
  return pair(a, b, ratio(a, b), ratio(b, a));
}

std::optional<Rule> Scorer::excluded_by(const Doc& a, const Doc& b) const {
  const auto& kinds = complementary_kinds(a.kind);
  if (std::find(kinds.begin(), kinds.end(), b.kind) == kinds.end()) return Rule::other_kind;
  if (a.owner_id == b.owner_id) return Rule::same_owner;
  // expiresOn is the last day a profile is shown: it is matched up to that day.
  int32_t day = today();
  if ((a.expires_day > 0 && a.expires_day < day) || (b.expires_day > 0 && b.expires_day < day)) {
    return Rule::expired;
  }
  if (!in_mask(a.target_countries_mask, b.country) ||
      !in_mask(b.target_countries_mask, a.country)) {
    return Rule::outside_targets;
  }
  if (auto rule = requirement_rule(a, b)) return rule;
  if (auto rule = requirement_rule(b, a)) return rule;
  return std::nullopt;
}

}  // namespace gosmart::matching
