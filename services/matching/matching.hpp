#pragma once
// The matching service's core, without sockets: it applies the local registry's
// merged stream (its own country's and every peer's published profiles) to the
// index and its RocksDB copy, finds the matches of each publication that concern
// this node (one side is one of its country's profiles), records them once per
// pair, emits "matching.match.found" / "matching.match.retracted" on its own log,
// and answers the api (partners, search, broker queue and decisions).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/service/api_server.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/idempotency.hpp"
#include "common/store/scrubber.hpp"
#include "common/store/staging_batch.hpp"
#include "common/store/store.hpp"
#include "schemas/matching.capnp.h"
#include "services/matching/domain/matcher.hpp"
#include "services/matching/domain/research_organisations.hpp"
#include "services/matching/domain/term_dictionary.hpp"
#include "services/matching/domain/text_analysis.hpp"

namespace gosmart::matching {

inline constexpr const char* kProfilesCf = "profiles";
inline constexpr const char* kMatchesCf = "matches";
inline constexpr const char* kQueueCf = "queue";  // pending match ids, oldest first
inline constexpr const char* kCursorsCf = "cursors";
// Organisations able to do research (research_organisations.hpp): id -> PublicOrganisation.
inline constexpr const char* kOrganisationsCf = "organisations";
std::vector<std::string> matching_column_families();

struct MatchingOptions {
  std::string country;
  std::vector<std::string> members;  // the federation's countries: a search names only these
  bool transnational = true;
  bool broker_approval = false;
  double threshold = 0.3;
  std::size_t top_k = 10;
  Weights weights;
  // Where the FreeDict dictionaries are (term_dictionary.hpp): a compiled file or a
  // dictd directory; empty: words are not read across languages. The service's
  // settings default to TermDictionary::default_location().
  std::string dictionaries;
};

// "M-" and 24 hex digits of SHA-256 over the two profile ids in order: both nodes
// that find a pair give it the same id.
std::string match_id(const std::string& profile_a, const std::string& profile_b);

// The text the index analyses: title, summary, description, advantages, and the
// keywords twice (an owner's own keywords say most).
std::string indexed_text(wire::Profile::Reader profile);

// The index record of a published profile: the profile, its owner's public
// classification and the analysed terms of its text.
void fill_indexed_profile(Analyser& analyser, wire::Profile::Reader profile,
                          wire::PublicOrganisation::Reader owner, const std::string& origin,
                          wire::IndexedProfile::Builder record);

class MatchingCore : public replication::Applier {
 public:
  // `publisher` may be null (tests): committed events are then only in the log.
  MatchingCore(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
               MatchingOptions options, replication::Publisher* publisher = nullptr);

  // Reads every stored profile into the index and every match into the pair map;
  // returns how many profiles.
  std::size_t load();
  void install(service::ApiServer& server);
  // Where replies to decisions are kept: an erasure drops those about its profiles.
  void set_idempotency(service::IdempotencyStore* store) { idempotency_ = store; }

  // replication::Applier: the registry's stream.
  Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) override;
  void committed() override;
  void aborted() override;

  // The api's own writes (broker decisions), committed by the service's commit
  // pipeline (matching_writes.hpp): seal_api() puts what is staged in flight, and
  // api_landed() or api_lost() ends it.
  rocksdb::WriteBatch& api_batch() { return api_batch_.batch(); }
  bool api_pending() const { return !api_batch_.empty(); }
  std::vector<replication::StagedEvent>& staged_events() { return staged_; }
  rocksdb::WriteBatch seal_api();
  void api_landed();
  void api_lost();
  // The pipeline that commits the api's writes: the registry's stream is applied
  // only once nothing of the api is staged or in flight, so that the two batches
  // never carry writes of one key in an order other than they were made.
  void set_api_commits(service::CommitPipeline* commits) { api_commits_ = commits; }

  Result<std::string> partners(const service::Request& request);
  Result<std::string> search(const service::Request& request);
  Result<std::string> queue(const service::Request& request);
  Result<std::string> decide(const service::Request& request);
  Result<std::string> get_match(const service::Request& request);

  const ProfileIndex& index() const { return index_; }
  const TermDictionary& dictionary() const { return dictionary_; }
  uint64_t matches_announced() const { return announced_; }
  uint64_t queue_length() const { return queue_length_; }

 private:
  void index_profile(const DecodedEnvelope& event, store::StagingBatch& batch);
  void unindex_profile(const std::string& profile_id, const std::string& reason,
                       store::StagingBatch& batch);
  void update_owner(wire::PublicOrganisation::Reader owner, store::StagingBatch& batch);
  // Keeps (or drops) an organisation as a candidate of research requests.
  void remember_organisation(wire::PublicOrganisation::Reader org, store::StagingBatch& batch);
  void forget_organisation(const std::string& id, store::StagingBatch& batch);
  // An erasure: the matches of these profiles are deleted, not kept retracted, and
  // this service's own `matching.match.found` events about them are redacted: both
  // held the erased profile's title and the terms it shared (issue 11, D19).
  void forget_matches_of(const std::set<std::string>& profiles, store::StagingBatch& batch);
  void fill_organisations(wire::PartnersReply::Builder reply, const Doc& request);
  void record_match(Slot a, const Candidate& candidate, store::StagingBatch& batch);
  void retract_matches(const std::string& profile_id, const std::string& reason,
                       store::StagingBatch& batch);
  // Reads see the writes staged in `batch` before them (store/staging_batch.hpp).
  std::optional<std::string> read(const store::StagingBatch& batch, const char* cf,
                                  const std::string& key) const;
  void write(store::StagingBatch& batch, const char* cf, const std::string& key,
             const std::optional<std::string>& value);
  void fill_side(wire::MatchSide::Builder side, const Doc& doc) const;
  void fill_match(wire::Match::Builder out, const Doc& a, const Doc& b, const PairScore& score);
  void emit_found(store::StagingBatch& batch, wire::Match::Reader match);
  // What a partners reply says besides its matches.
  struct ReplyNotes {
    std::string shows;
    bool mark_weaker = false;
    std::vector<std::pair<std::string, std::size_t>> excluded;
  };
  std::string partners_reply(const service::Request& request, const Doc& query,
                             const std::vector<Candidate>& found, const ReplyNotes& notes);

  store::Store& store_;
  replication::EventLog& log_;
  service::IdempotencyStore* idempotency_ = nullptr;
  replication::Publisher* publisher_;
  service::ServiceInfo info_;
  MatchingOptions options_;
  Analyser analyser_;
  TermDictionary dictionary_;
  ProfileIndex index_;
  Scorer scorer_;
  std::vector<replication::StagedEvent> staged_;
  std::map<std::string, std::set<std::string>> matches_of_;  // profile id -> match ids
  std::map<std::string, OrgDoc> research_orgs_;              // able to do research
  // The api's own writes (decisions), read back until they are committed.
  store::StagingBatch api_batch_{store_};
  std::vector<replication::StagedEvent> api_in_flight_;  // events of the batch in flight
  service::CommitPipeline* api_commits_ = nullptr;
  // An erasure's profile text and owner must leave every file once its batch is
  // durable (WAL and SST keep the old bytes until flush and compaction).
  bool erasures_ = false;
  store::Scrubber scrubber_{store_};
  uint64_t announced_ = 0;
  uint64_t queue_length_ = 0;
  bool index_dirty_ = false;  // a failed commit left the index ahead of the store
};

}  // namespace gosmart::matching
