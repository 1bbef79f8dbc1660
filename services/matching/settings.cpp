#include "services/matching/settings.hpp"

#include "services/matching/domain/term_dictionary.hpp"

namespace gosmart::matching {

MatchingOptions matching_options(const config::NodeConfig& node) {
  MatchingOptions options;
  options.country = node.country;
  options.members = node.members;
  auto section = node.section("matching");
  options.transnational = section.boolean("transnational").value_or(options.transnational);
  options.broker_approval = section.boolean("broker_approval").value_or(options.broker_approval);
  options.threshold = section.fraction("threshold").value_or(options.threshold);
  options.top_k = static_cast<std::size_t>(
      section.integer("top_k", 1, 100).value_or(static_cast<int64_t>(options.top_k)));
  options.dictionaries =
      section.string("dictionaries").value_or(TermDictionary::default_location().string());
  auto weights = section.table("weights");
  auto& w = options.weights;
  w.domains = weights.fraction("domains").value_or(w.domains);
  w.nace = weights.fraction("nace").value_or(w.nace);
  w.text = weights.fraction("text").value_or(w.text);
  w.cooperation = weights.fraction("cooperation").value_or(w.cooperation);
  w.languages = weights.fraction("languages").value_or(w.languages);
  w.partner_types = weights.fraction("partner_types").value_or(w.partner_types);
  w.partner_sizes = weights.fraction("partner_sizes").value_or(w.partner_sizes);
  w.freshness = weights.fraction("freshness").value_or(w.freshness);
  weights.finish();
  double sum = 0;
  for (int c = 0; c < kComponents; ++c) sum += weight_of(w, c);
  if (!weights.empty() && sum <= 0.0) {
    throw config::ConfigError("config: matching.weights: at least one weight must be above 0");
  }
  section.finish();
  return options;
}

}  // namespace gosmart::matching
