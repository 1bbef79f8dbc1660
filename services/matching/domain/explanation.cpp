// Why a pair scored what it did, in parts that add up to the score shown.
//
// The score is the harmonic mean H = 2fb / (f + b) of the two directions' totals,
// and H = (b / (f + b)) f + (f / (f + b)) b exactly; each direction's total is its
// components' weighted mean. So a component's part of H is
//   b / (f + b) * w_c f_c / W_f  +  f / (f + b) * w_c b_c / W_b
// (W: the weights of the components present in that direction), and the parts sum
// to H. The text component's part is split among the shared terms in proportion to
// what each adds to that direction's BM25; terms the score ignores (too common to
// be significant) are not listed.
#include <algorithm>

#include "services/matching/domain/preferences.hpp"
#include "services/matching/domain/scoring.hpp"

namespace gosmart::matching {

namespace {

double present_weight(const Weights& weights, const DirectionScore& d) {
  double total = 0;
  for (int c = 0; c < kComponents; ++c) {
    if (d.present[c]) total += weight_of(weights, c);
  }
  return total;
}

std::string code_text(const NaceCode& code) {
  std::string text = (code.division < 10 ? "0" : "") + std::to_string(code.division);
  if (code.group >= 0) text += "." + std::to_string(code.group);
  if (code.cls >= 0) text += std::to_string(code.cls);
  return text;
}

template <class List>
void set_texts(List list, const std::vector<std::string>& values) {
  for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

}  // namespace

void explain(const Scorer& scorer, const Doc& a, const Doc& b, const PairScore& score,
             wire::Explanation::Builder out, std::size_t max_terms) {
  const auto& index = scorer.index();
  const auto& w = scorer.weights();

  // How much of each direction's weighted mean reaches the score.
  double f = score.forward.total, bw = score.backward.total;
  double forward_share = 0, backward_share = 0;
  if (score.one_way) {
    forward_share = 1;
  } else if (f + bw > 0) {
    forward_share = bw / (f + bw);
    backward_share = f / (f + bw);
  }
  double forward_weight = present_weight(w, score.forward);
  double backward_weight = present_weight(w, score.backward);
  auto part = [&](int c, const DirectionScore& d, double share, double total_weight) {
    if (!d.present[c] || total_weight <= 0) return 0.0;
    return share * weight_of(w, c) * d.value[c] / total_weight;
  };

  auto components = out.initComponents(kComponents);
  for (int c = 0; c < kComponents; ++c) {
    components[c].setName(component_name(c));
    components[c].setWeight(weight_of(w, c));
    components[c].setForward(score.forward.present[c] ? score.forward.value[c] : 0);
    components[c].setBackward(score.backward.present[c] ? score.backward.value[c] : 0);
    components[c].setContribution(part(c, score.forward, forward_share, forward_weight) +
                                  part(c, score.backward, backward_share, backward_weight));
  }

  std::vector<std::string> domains;
  for (auto domain : a.domains) {
    if (std::binary_search(b.domains.begin(), b.domains.end(), domain)) {
      domains.push_back(index.domains().text(domain));
    }
  }
  set_texts(out.initSharedDomains(static_cast<unsigned>(domains.size())), domains);

  struct Link {
    const NaceCode* a;
    const NaceCode* b;
    NaceLevel level;
  };
  std::vector<Link> links;
  for (const auto& mine : a.nace) {
    Link best{&mine, nullptr, NaceLevel::none};
    for (const auto& theirs : b.nace) {
      auto level = shared_level(mine, theirs);
      if (level > best.level) best = {&mine, &theirs, level};
    }
    if (best.level != NaceLevel::none) links.push_back(best);
  }
  auto nace_links = out.initNaceLinks(static_cast<unsigned>(links.size()));
  for (unsigned i = 0; i < links.size(); ++i) {
    nace_links[i].setCodeA(code_text(*links[i].a));
    nace_links[i].setCodeB(code_text(*links[i].b));
    nace_links[i].setLevel(level_name(links[i].level));
  }

  // Each significant shared term's part of the text component's contribution.
  double text_forward = part(kText, score.forward, forward_share, forward_weight);
  double text_backward = part(kText, score.backward, backward_share, backward_weight);
  struct TermPart {
    uint32_t term;
    double forward, backward;
  };
  std::vector<TermPart> parts;
  double forward_sum = 0, backward_sum = 0;
  for_each_shared_term(a, b, [&](uint32_t term, uint16_t in_a, uint16_t in_b) {
    if (!scorer.significant(term)) return;
    TermPart p{term, scorer.bm25_term(term, in_b, b.length),
               scorer.bm25_term(term, in_a, a.length)};
    forward_sum += p.forward;
    backward_sum += p.backward;
    parts.push_back(p);
  });
  std::vector<std::pair<double, uint32_t>> terms;
  for (const auto& p : parts) {
    double share = (forward_sum > 0 ? text_forward * p.forward / forward_sum : 0) +
                   (backward_sum > 0 ? text_backward * p.backward / backward_sum : 0);
    if (share > 0) terms.emplace_back(share, p.term);
  }
  std::sort(terms.begin(), terms.end(), [](auto& x, auto& y) { return x.first > y.first; });
  if (terms.size() > max_terms) terms.resize(max_terms);
  auto shared_terms = out.initSharedTerms(static_cast<unsigned>(terms.size()));
  for (unsigned k = 0; k < terms.size(); ++k) {
    shared_terms[k].setTerm(index.terms().text(terms[k].second));
    shared_terms[k].setWeight(terms[k].first);
  }

  std::vector<wire::CooperationType> cooperation;
  for (unsigned bit = 1; bit < 16; ++bit) {
    if ((a.cooperation_mask & b.cooperation_mask) & (1u << bit)) {
      cooperation.push_back(static_cast<wire::CooperationType>(bit));
    }
  }
  auto shared_cooperation =
      out.initSharedCooperationTypes(static_cast<unsigned>(cooperation.size()));
  for (unsigned k = 0; k < cooperation.size(); ++k) shared_cooperation.set(k, cooperation[k]);

  std::vector<std::string> languages;
  for (unsigned bit = 0; bit < 64 && bit < index.languages().size(); ++bit) {
    if ((a.languages_mask & b.languages_mask) & (uint64_t{1} << bit)) {
      languages.push_back(index.languages().text(bit));
    }
  }
  set_texts(out.initSharedLanguages(static_cast<unsigned>(languages.size())), languages);

  std::vector<std::string> unmet;
  describe_unmet(a, b, unmet);
  if (!score.one_way) describe_unmet(b, a, unmet);
  set_texts(out.initUnmetPreferences(static_cast<unsigned>(unmet.size())), unmet);
}

}  // namespace gosmart::matching
