// matching: quality and speed of the matching library on a generated, labelled
// corpus (tools/gen-corpus), against a plain Xapian BM25 baseline over the same text
// in the same run (see bench/README.md).
//  - recall@10 / nDCG@10: the planted partner of each planted request among its top 10
//    (one relevant document per query, nDCG = 1/log2(rank+1): a planted pair's
//    application and technology appear together nowhere else);
//  - the baseline gets the same candidate filter (complementary kinds, another
//    country) and the same hard rules on its top 50, so the figures compare rankings,
//    not filters;
//  - our queries are what `gosmartctl match` shows with the node's defaults: at or above
//    `threshold`, at most `top_k`; zero_result_share is the share of queries with an
//    empty list, violation_rate the share whose list breaks a hard rule (checked here
//    from the corpus itself, not by the matcher's code); cross-language pairs (one side
//    names a facet in its national language only) are also reported apart;
//  - query p99 over the planted requests; index rebuild = MatchingCore::load() from a
//    RocksDB holding every profile; peak memory of this process (both indexes).
#include <capnp/message.h>
#include <sys/resource.h>
#include <xapian.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "bench/baselines.hpp"
#include "common/store/capnp_value.hpp"
#include "services/matching/matching.hpp"
#include "tools/gen-corpus/corpus.hpp"

using namespace gosmart;
using Clock = std::chrono::steady_clock;

namespace {

struct Quality {
  double recall = 0, ndcg = 0;
  std::vector<double> latencies_ms;
  void add(std::size_t rank) {  // 0: not in the top 10
    if (rank > 0) {
      recall += 1;
      ndcg += 1.0 / std::log2(static_cast<double>(rank) + 1);
    }
  }
  void finish(std::size_t queries) {
    recall /= static_cast<double>(queries);
    ndcg /= static_cast<double>(queries);
    std::sort(latencies_ms.begin(), latencies_ms.end());
  }
  double p99() const { return latencies_ms[latencies_ms.size() * 99 / 100]; }
};

std::string profile_id(std::size_t i) {
  return "P" + std::to_string(i);
}

std::string owner_id(std::size_t i) {
  return "O" + std::to_string(i);
}

double seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string today_iso() {
  std::chrono::year_month_day date{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

template <class T>
bool contains(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// What `seeker` marked as required, checked against `other` (owner `owner`).
bool requirement_met(const corpus::Profile& seeker, const corpus::Profile& other,
                     const corpus::Organisation& owner) {
  for (auto r : seeker.requirements) {
    if (r == wire::Requirement::PARTNER_TYPES && !seeker.partner_types.empty() &&
        !contains(seeker.partner_types, owner.type)) {
      return false;
    }
    if (r == wire::Requirement::PARTNER_SIZES && !seeker.partner_sizes.empty() &&
        !contains(seeker.partner_sizes, corpus::size_class(owner))) {
      return false;
    }
    if (r == wire::Requirement::COOPERATION_TYPES && !seeker.cooperation.empty() &&
        !other.cooperation.empty()) {
      bool shared = false;
      for (auto c : seeker.cooperation) shared = shared || contains(other.cooperation, c);
      if (!shared) return false;
    }
  }
  return true;
}

// The hard rules of issue 12, from the corpus: another country, not expired, target
// countries both ways, marked requirements both ways.
bool breaks_hard_rule(const corpus::Corpus& c, std::size_t a, std::size_t b) {
  const auto& pa = c.profiles[a];
  const auto& pb = c.profiles[b];
  const auto& oa = c.organisations[pa.owner];
  const auto& ob = c.organisations[pb.owner];
  if (oa.country == ob.country) return true;
  if (pa.expires_on < c.today || pb.expires_on < c.today) return true;
  if (!pa.target_countries.empty() && !contains(pa.target_countries, ob.country)) return true;
  if (!pb.target_countries.empty() && !contains(pb.target_countries, oa.country)) return true;
  return !requirement_met(pa, pb, ob) || !requirement_met(pb, pa, oa);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"matching benchmark"};
  std::size_t profiles = 100000, pairs = 1000;
  uint64_t seed = 11;
  app.add_option("--profiles", profiles, "profiles in the corpus");
  app.add_option("--pairs", pairs, "planted pairs (their requests are the queries)");
  app.add_option("--seed", seed, "corpus seed");
  std::size_t show = 0;
  app.add_option("--show", show, "print the top 3 of this many missed queries (to stderr)");
  bool baseline_too = true;
  app.add_option("--baseline", baseline_too, "also run the Xapian baseline (default true)");
  std::string dictionaries = "/usr/share/dictd";
  app.add_option("--dictionaries", dictionaries,
                 "FreeDict directory for words across languages (\"\": none)");
  matching::MatchingOptions options;
  app.add_option("--threshold", options.threshold, "the node's threshold (default: the node's)");
  auto& w = options.weights;
  app.add_option("--w-cooperation", w.cooperation, "[matching.weights] cooperation");
  app.add_option("--w-partner-types", w.partner_types, "[matching.weights] partner_types");
  app.add_option("--w-partner-sizes", w.partner_sizes, "[matching.weights] partner_sizes");
  app.add_option("--w-freshness", w.freshness, "[matching.weights] freshness");
  app.add_option("--w-text", w.text, "[matching.weights] text");
  CLI11_PARSE(app, argc, argv);

  auto corpus = corpus::generate(profiles, pairs, seed, today_iso());
  auto dir = bench::scratch_dir("matching");

  // The service's store, filled as the registry stream would fill it.
  auto start = Clock::now();
  {
    auto store = store::Store::open(dir / "db", matching::matching_column_families());
    matching::Analyser analyser;
    // Words across languages, as the service reads them (term_dictionary.hpp).
    auto dictionary_started = Clock::now();
    matching::TermDictionary dictionary;
    if (!dictionaries.empty()) dictionary = matching::TermDictionary::load(dictionaries);
    analyser.set_dictionary(&dictionary);
    bench::report("matching.dictionary_load_s", seconds(dictionary_started), "s");
    bench::report("matching.dictionary_entries", static_cast<double>(dictionary.entries()),
                  "count");
    rocksdb::WriteBatch batch;
    for (std::size_t i = 0; i < corpus.profiles.size(); ++i) {
      const auto& p = corpus.profiles[i];
      capnp::MallocMessageBuilder source;
      auto event = source.initRoot<wire::ProfilePublishedEvent>();
      corpus::fill_profile(corpus, p, profile_id(i), event.initProfile());
      corpus::fill_owner(corpus.organisations[p.owner], owner_id(p.owner), event.initOwner());
      event.getProfile().setOwnerId(owner_id(p.owner));
      capnp::MallocMessageBuilder message;
      matching::fill_indexed_profile(
          analyser, event.getProfile().asReader(), event.getOwner().asReader(),
          corpus.organisations[p.owner].country, message.initRoot<wire::IndexedProfile>());
      batch.Put(store->cf(matching::kProfilesCf), profile_id(i), store::to_bytes(message));
      if (batch.Count() >= 1000) {
        if (!store->commit(batch).ok()) return 2;
        batch.Clear();
      }
    }
    if (!store->commit(batch).ok()) return 2;
  }
  std::fprintf(stderr, "corpus of %zu profiles analysed and stored in %.1f s\n",
               corpus.profiles.size(), seconds(start));

  auto store = store::Store::open(dir / "db", matching::matching_column_families());
  replication::EventLog log(*store, "PL", wire::Service::MATCHING);
  options.country = "PL";
  matching::MatchingCore core(*store, log, {"matching", "bench", "PL", wire::Service::MATCHING},
                              options);
  start = Clock::now();
  std::size_t loaded = core.load();
  double rebuild_s = seconds(start);
  matching::Scorer scorer(core.index(), options.weights);

  Quality ours, cross;
  std::size_t cross_queries = 0, empty = 0, violations = 0;
  std::map<std::size_t, std::size_t> slot_to_profile;
  for (std::size_t i = 0; i < corpus.profiles.size(); ++i) {
    if (auto slot = core.index().find(profile_id(i))) slot_to_profile[*slot] = i;
  }
  for (const auto& pair : corpus.planted) {
    auto slot = core.index().find(profile_id(pair.request));
    if (!slot) return 2;
    matching::MatchQuery query;
    query.doc = &core.index().doc(*slot);
    query.limit = std::min<std::size_t>(options.top_k, 10);
    query.min_score = options.threshold;
    auto began = Clock::now();
    auto found = matching::find_partners(scorer, query);
    ours.latencies_ms.push_back(seconds(began) * 1000);
    std::size_t rank = 0;
    bool broken = false;
    for (std::size_t r = 0; r < found.size(); ++r) {
      if (core.index().doc(found[r].slot).profile_id == profile_id(pair.offer)) rank = r + 1;
      broken = broken || breaks_hard_rule(corpus, pair.request, slot_to_profile[found[r].slot]);
    }
    ours.add(rank);
    empty += found.empty();
    violations += broken;
    if (pair.cross_language) {
      ++cross_queries;
      cross.add(rank);
    }
    if (show > 0 && rank == 0) {  // the misses, to see why
      --show;
      std::fprintf(stderr, "query: %s\n  wanted (rank %zu): %s\n",
                   corpus.profiles[pair.request].title.c_str(), rank,
                   corpus.profiles[pair.offer].title.c_str());
      for (std::size_t r = 0; r < found.size() && r < 3; ++r) {
        const auto& d = core.index().doc(found[r].slot);
        std::fprintf(stderr, "  %zu. %.3f (f %.3f b %.3f) %s\n", r + 1, found[r].score.score,
                     found[r].score.forward.total, found[r].score.backward.total, d.title.c_str());
      }
    }
  }
  ours.finish(corpus.planted.size());
  cross.latencies_ms.push_back(0);
  cross.finish(std::max<std::size_t>(cross_queries, 1));

  Quality baseline;
  double xapian_index_s = 0;
  if (baseline_too) {
    // The baseline: Xapian BM25 over the same text, English stemming, same filter.
    start = Clock::now();
    Xapian::WritableDatabase xapian(std::string(), Xapian::DB_BACKEND_INMEMORY);
    Xapian::TermGenerator generator;
    generator.set_stemmer(Xapian::Stem("english"));
    auto kind_term = [](wire::ProfileKind k) { return "XK" + std::to_string(static_cast<int>(k)); };
    std::vector<std::string> texts(corpus.profiles.size());
    for (std::size_t i = 0; i < corpus.profiles.size(); ++i) {
      const auto& p = corpus.profiles[i];
      capnp::MallocMessageBuilder message;
      auto profile = message.initRoot<wire::Profile>();
      corpus::fill_profile(corpus, p, profile_id(i), profile);
      texts[i] = matching::indexed_text(profile.asReader());
      Xapian::Document doc;
      generator.set_document(doc);
      generator.index_text(texts[i]);
      doc.add_boolean_term(kind_term(p.kind));
      doc.add_boolean_term("XC" + corpus.organisations[p.owner].country);
      doc.set_data(profile_id(i));
      xapian.add_document(doc);
    }
    xapian.commit();
    xapian_index_s = seconds(start);
    Xapian::Enquire enquire(xapian);
    for (const auto& pair : corpus.planted) {
      const auto& request = corpus.profiles[pair.request];
      auto began = Clock::now();
      Xapian::Document scratch;
      generator.set_document(scratch);
      generator.index_text(texts[pair.request]);
      std::vector<std::string> terms(scratch.termlist_begin(), scratch.termlist_end());
      Xapian::Query text(Xapian::Query::OP_OR, terms.begin(), terms.end());
      std::vector<std::string> kinds;
      for (auto k : matching::complementary_kinds(static_cast<uint8_t>(request.kind))) {
        kinds.push_back(kind_term(static_cast<wire::ProfileKind>(k)));
      }
      Xapian::Query filtered(Xapian::Query::OP_FILTER, text,
                             Xapian::Query(Xapian::Query::OP_OR, kinds.begin(), kinds.end()));
      Xapian::Query query(Xapian::Query::OP_AND_NOT, filtered,
                          Xapian::Query("XC" + corpus.organisations[request.owner].country));
      enquire.set_query(query);
      // The same hard rules as ours, applied to its top 50: rankings compared, not filters.
      auto top = enquire.get_mset(0, 50);
      baseline.latencies_ms.push_back(seconds(began) * 1000);
      std::size_t rank = 0, r = 0;
      for (auto it = top.begin(); it != top.end() && r < 10; ++it) {
        auto data = it.get_document().get_data();
        if (breaks_hard_rule(corpus, pair.request, std::stoul(data.substr(1)))) continue;
        ++r;
        if (data == profile_id(pair.offer)) rank = r;
      }
      baseline.add(rank);
    }
  } else {
    baseline.latencies_ms.push_back(0);
  }
  baseline.finish(corpus.planted.size());

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  bench::report("matching.profiles", static_cast<double>(loaded), "count");
  bench::report("matching.queries", static_cast<double>(corpus.planted.size()), "count");
  bench::report("matching.threshold", options.threshold, "score");
  bench::report("matching.top_k", static_cast<double>(options.top_k), "count");
  bench::report("matching.recall_at_10", ours.recall, "ratio");
  bench::report("matching.ndcg_at_10", ours.ndcg, "ratio");
  bench::report("matching.zero_result_share",
                static_cast<double>(empty) / static_cast<double>(corpus.planted.size()), "ratio");
  bench::report("matching.violation_rate",
                static_cast<double>(violations) / static_cast<double>(corpus.planted.size()),
                "ratio");
  bench::report("matching.cross_language_queries", static_cast<double>(cross_queries), "count");
  bench::report("matching.cross_language_recall_at_10", cross.recall, "ratio");
  bench::report("matching.hard_negatives", static_cast<double>(corpus.hard_negatives.size()),
                "count");
  bench::report("matching.query_p99_ms", ours.p99(), "ms");
  bench::report("matching.query_p50_ms", ours.latencies_ms[ours.latencies_ms.size() / 2], "ms");
  bench::report("matching.index_rebuild_s", rebuild_s, "s");
  if (baseline_too) {  // without it there is nothing to divide by
    bench::report("matching.baseline_recall_at_10", baseline.recall, "ratio");
    bench::report("matching.baseline_ndcg_at_10", baseline.ndcg, "ratio");
    bench::report("matching.recall_ratio", ours.recall / std::max(baseline.recall, 1e-9), "x");
    bench::report("matching.baseline_query_p99_ms", baseline.p99(), "ms");
    bench::report("matching.query_p99_ratio", ours.p99() / baseline.p99(), "x");
    bench::report("matching.baseline_index_s", xapian_index_s, "s");
  }
  bench::report("matching.index_memory_mb",
                static_cast<double>(core.index().memory_bytes()) / (1 << 20), "MiB");
  bench::report("matching.peak_rss_mb", static_cast<double>(usage.ru_maxrss) / 1024, "MiB");
  std::filesystem::remove_all(dir);
  return 0;
}
