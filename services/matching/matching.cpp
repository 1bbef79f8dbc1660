#include "services/matching/matching.hpp"

#include <capnp/message.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>

#include "common/core/break_point.hpp"
#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"

namespace gosmart::matching {

using config::Role;
using reference::text_of;

namespace {

const std::set<Role> kReaders = {Role::broker, Role::integration, Role::monitor};
constexpr std::size_t kMaxLimit = 100;

std::string hex(const uint8_t* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string queue_key(int64_t created_us, const std::string& id) {
  return store::keys::u64(static_cast<uint64_t>(created_us)) + id;
}

Failure not_found(const std::string& what, const std::string& id) {
  return fail(ErrorCode::NOT_FOUND, "no " + what + " '" + id + "'", "id");
}

std::size_t limit_of(uint32_t asked, std::size_t fallback) {
  return asked == 0 ? fallback : std::min<std::size_t>(asked, kMaxLimit);
}

}  // namespace

std::vector<std::string> matching_column_families() {
  auto families = replication::event_log_column_families();
  for (const char* name : {kProfilesCf, kMatchesCf, kQueueCf, kCursorsCf, kOrganisationsCf}) {
    families.push_back(name);
  }
  return families;
}

std::string match_id(const std::string& profile_a, const std::string& profile_b) {
  const auto& first = std::min(profile_a, profile_b);
  const auto& second = std::max(profile_a, profile_b);
  std::string joined = first + '|' + second;
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const uint8_t*>(joined.data()), joined.size());
  return "M-" + hex(digest, 12);
}

std::string indexed_text(wire::Profile::Reader profile) {
  std::string text = text_of(profile.getTitle()) + ". " + text_of(profile.getSummary()) + ". " +
                     text_of(profile.getDescription()) + ". " + text_of(profile.getAdvantages());
  for (int twice = 0; twice < 2; ++twice) {
    for (auto keyword : profile.getKeywords()) text += ". " + text_of(keyword);
  }
  return text;
}

void fill_indexed_profile(Analyser& analyser, wire::Profile::Reader profile,
                          wire::PublicOrganisation::Reader owner, const std::string& origin,
                          wire::IndexedProfile::Builder record) {
  record.setProfile(profile);
  record.setOwner(owner);
  record.setOriginCountry(origin);
  record.setAnalyser(analyser.version());
  std::map<std::string, uint16_t> counts;
  for (auto& term : analyser.terms(indexed_text(profile))) {
    auto& count = counts[term];
    if (count < UINT16_MAX) ++count;
  }
  auto terms = record.initTerms(static_cast<unsigned>(counts.size()));
  unsigned i = 0;
  for (const auto& [term, count] : counts) {
    terms[i].setTerm(term);
    terms[i++].setCount(count);
  }
}

MatchingCore::MatchingCore(store::Store& store, replication::EventLog& log,
                           service::ServiceInfo info, MatchingOptions options,
                           replication::Publisher* publisher)
    : store_(store),
      log_(log),
      publisher_(publisher),
      info_(std::move(info)),
      options_(std::move(options)),
      scorer_(index_, options_.weights) {
  if (options_.dictionaries.empty()) return;
  auto started = std::chrono::steady_clock::now();
  dictionary_ = TermDictionary::load(options_.dictionaries);
  analyser_.set_dictionary(&dictionary_);
  std::string missing;
  for (const auto& language : dictionary_.missing()) missing += " " + language;
  spdlog::info(
      "matching: {} dictionary entries from {} in {:.2f} s (words across languages); "
      "none for{} lv et",
      dictionary_.entries(), options_.dictionaries,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), missing);
}

std::size_t MatchingCore::load() {
  index_ = ProfileIndex();
  matches_of_.clear();
  announced_ = queue_length_ = 0;
  std::size_t count = 0;
  auto it = store_.iterate(store_.cf(kProfilesCf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto record = store::StoredValue<wire::IndexedProfile>::parse(it->value().ToString());
    if (!record) {
      spdlog::error("matching: stored profile {} unreadable; skipped", it->key().ToString());
      continue;
    }
    index_.add(record->get());
    ++count;
  }
  auto matches = store_.iterate(store_.cf(kMatchesCf));
  for (matches->SeekToFirst(); matches->Valid(); matches->Next()) {
    auto match = store::StoredValue<wire::Match>::parse(matches->value().ToString());
    if (!match) continue;
    auto m = match->get();
    std::string id = text_of(m.getId());
    matches_of_[text_of(m.getA().getProfileId())].insert(id);
    matches_of_[text_of(m.getB().getProfileId())].insert(id);
    if (m.getState() == wire::MatchState::ANNOUNCED) ++announced_;
    if (m.getState() == wire::MatchState::PENDING_APPROVAL) ++queue_length_;
  }
  research_orgs_.clear();
  auto orgs = store_.iterate(store_.cf(kOrganisationsCf));
  for (orgs->SeekToFirst(); orgs->Valid(); orgs->Next()) {
    auto org = store::StoredValue<wire::PublicOrganisation>::parse(orgs->value().ToString());
    if (!org) {
      spdlog::error("matching: stored organisation {} unreadable; skipped", orgs->key().ToString());
      continue;
    }
    research_orgs_[orgs->key().ToString()] = make_org_doc(index_, org->get());
  }
  index_dirty_ = false;
  return count;
}

std::optional<std::string> MatchingCore::read(const store::StagingBatch& batch, const char* cf,
                                              const std::string& key) const {
  auto stored = batch.get(store_.cf(cf), key);
  if (!stored) throw std::runtime_error("matching: read failed: " + describe(stored.error()));
  return stored.value();
}

void MatchingCore::write(store::StagingBatch& batch, const char* cf, const std::string& key,
                         const std::optional<std::string>& value) {
  if (value) {
    batch.put(store_.cf(cf), key, *value);
  } else {
    batch.del(store_.cf(cf), key);
  }
}

Status MatchingCore::apply(const DecodedEnvelope& event, store::StagingBatch& batch) {
  // A decision staged or in flight lands first (its replies go out): the stream's
  // batch then reads, and overwrites, what the store holds.
  if (api_commits_) api_commits_->finish();
  const auto& type = event.header().type;
  if (type == wire_type(wire::REGISTRY_PROFILE_PUBLISHED)) {
    index_profile(event, batch);
  } else if (type == wire_type(wire::REGISTRY_PROFILE_STATUS)) {
    auto status = event.payload<wire::ProfileStatusEvent>();
    if (status.getStatus() != wire::ProfileStatus::PUBLISHED) {
      std::string reason =
          status.getStatus() == wire::ProfileStatus::EXPIRED ? "expired" : "withdrawn";
      unindex_profile(text_of(status.getProfileId()), reason, batch);
    }
  } else if (type == wire_type(wire::REGISTRY_ORG_ERASED)) {
    auto erased = event.payload<wire::OrgErasedEvent>();
    const std::string owner = text_of(erased.getOrganisationId());
    std::set<std::string> profiles;
    for (auto& id : index_.profiles_of_owner(owner)) profiles.insert(id);
    // A listed profile indexed under another owner is not this erasure's to drop
    // (the registry refuses such an event; this holds if one gets through).
    for (auto listed : erased.getProfileIds()) {
      auto slot = index_.find(text_of(listed));
      if (!slot || index_.doc(*slot).owner_id == owner) profiles.insert(text_of(listed));
    }
    for (const auto& id : profiles) unindex_profile(id, "erased", batch);
    forget_matches_of(profiles, batch);
    if (idempotency_) {
      // A kept reply to a decision holds the match, the erased profile's title with it.
      auto forgotten = idempotency_->forget(batch.batch(), owner);
      if (!forgotten) {
        spdlog::error("matching: erasure could not drop kept replies: {}",
                      describe(forgotten.error()));
      }
    }
    forget_organisation(owner, batch);
    erasures_ = true;
  } else if (type == wire_type(wire::REGISTRY_ORG_PUBLIC)) {
    auto org = event.payload<wire::OrgPublicEvent>().getOrganisation();
    update_owner(org, batch);
    remember_organisation(org, batch);
  }
  return {};  // other registry events do not concern matching
}

void MatchingCore::index_profile(const DecodedEnvelope& event, store::StagingBatch& batch) {
  auto published = event.payload<wire::ProfilePublishedEvent>();
  auto profile = published.getProfile();
  std::string id = text_of(profile.getId());
  if (id.empty() || profile.getStatus() != wire::ProfileStatus::PUBLISHED) return;

  capnp::MallocMessageBuilder message;
  auto record = message.initRoot<wire::IndexedProfile>();
  fill_indexed_profile(analyser_, profile, published.getOwner(), event.header().origin_country,
                       record);
  write(batch, kProfilesCf, id, store::to_bytes(message));
  Slot slot = index_.add(record.asReader());

  // Matches that concern this node: one side is one of its country's profiles.
  const Doc& doc = index_.doc(slot);
  MatchQuery query;
  query.doc = &doc;
  query.transnational = options_.transnational;
  query.limit = options_.top_k;
  query.min_score = options_.threshold;
  bool local = text_of(published.getOwner().getCountry()) == options_.country;
  if (!local) {
    auto own = index_.countries().find(options_.country);
    if (!own) return;  // no profile of ours yet
    query.only_country = static_cast<uint8_t>(*own);
  }
  for (const auto& candidate : find_partners(scorer_, query)) record_match(slot, candidate, batch);
}

void MatchingCore::fill_side(wire::MatchSide::Builder side, const Doc& doc) const {
  side.setProfileId(doc.profile_id);
  side.setOwnerId(doc.owner_id);
  side.setCountry(index_.countries().text(doc.country));
  side.setKind(static_cast<wire::ProfileKind>(doc.kind));
  side.setTitle(doc.title);
  side.setOwnerType(static_cast<wire::OrgType>(doc.owner_type));
  side.setOwnerSize(static_cast<wire::SizeClass>(doc.owner_size));
}

void MatchingCore::fill_match(wire::Match::Builder out, const Doc& a, const Doc& b,
                              const PairScore& score) {
  if (!a.profile_id.empty()) {
    out.setId(match_id(a.profile_id, b.profile_id));
    fill_side(out.initA(), a);
  }
  fill_side(out.initB(), b);
  out.setScore(score.score);
  out.setForward(score.forward.total);
  out.setBackward(score.backward.total);
  auto explanation = out.initExplanation();
  explain(scorer_, a, b, score, explanation);
  // Each shared term as a word of either title, where one gives it: a mail to an SME
  // says "fabrication", not the stem "fabric" (outside findings).
  for (auto shared : explanation.getSharedTerms()) {
    std::string term = shared.getTerm().cStr();
    std::string word = analyser_.word_for(term, a.title);
    if (word.empty()) word = analyser_.word_for(term, b.title);
    if (!word.empty()) shared.setWord(word);
  }
}

void MatchingCore::record_match(Slot a, const Candidate& candidate, store::StagingBatch& batch) {
  const Doc& doc_a = index_.doc(a);
  const Doc& doc_b = index_.doc(candidate.slot);
  std::string id = match_id(doc_a.profile_id, doc_b.profile_id);
  auto existing = read(batch, kMatchesCf, id);
  int64_t now = now_us();

  capnp::MallocMessageBuilder message;
  auto match = message.initRoot<wire::Match>();
  fill_match(match, doc_a, doc_b, candidate.score);
  match.setUpdatedUs(now);
  bool announce = false;
  bool fresh = !existing;  // new, or back after a retraction
  if (existing) {
    auto old = store::StoredValue<wire::Match>::parse(*existing);
    if (!old) throw std::runtime_error("matching: stored match " + id + " unreadable");
    auto previous = old->get();
    match.setCreatedUs(previous.getCreatedUs());
    match.setDecidedBy(previous.getDecidedBy());
    match.setComment(previous.getComment());
    match.setState(previous.getState());
    if (previous.getState() == wire::MatchState::RETRACTED) {
      // Back above the threshold after a retraction: a match again.
      match.setCreatedUs(now);
      match.setDecidedBy("");
      match.setComment("");
      match.setState(options_.broker_approval ? wire::MatchState::PENDING_APPROVAL
                                              : wire::MatchState::ANNOUNCED);
      announce = !options_.broker_approval;
      fresh = true;
    }
  } else {
    match.setCreatedUs(now);
    match.setState(options_.broker_approval ? wire::MatchState::PENDING_APPROVAL
                                            : wire::MatchState::ANNOUNCED);
    announce = !options_.broker_approval;
  }
  if (fresh && match.getState() == wire::MatchState::PENDING_APPROVAL) {
    write(batch, kQueueCf, queue_key(now, id), std::string());
    ++queue_length_;
  }
  if (announce) {
    emit_found(batch, match.asReader());
    ++announced_;
  }
  matches_of_[doc_a.profile_id].insert(id);
  matches_of_[doc_b.profile_id].insert(id);
  write(batch, kMatchesCf, id, store::to_bytes(message));
}

void MatchingCore::emit_found(store::StagingBatch& batch, wire::Match::Reader match) {
  staged_.push_back(log_.append<wire::MatchFoundEvent>(batch.batch(),
                                                       wire_type(wire::MATCHING_MATCH_FOUND),
                                                       [&](auto event) { event.setMatch(match); }));
  spdlog::info("matching: {} {} <-> {} score {:.3f}", text_of(match.getId()),
               text_of(match.getA().getProfileId()), text_of(match.getB().getProfileId()),
               match.getScore());
}

void MatchingCore::unindex_profile(const std::string& profile_id, const std::string& reason,
                                   store::StagingBatch& batch) {
  index_.remove(profile_id);
  if (read(batch, kProfilesCf, profile_id)) write(batch, kProfilesCf, profile_id, std::nullopt);
  retract_matches(profile_id, reason, batch);
}

void MatchingCore::forget_matches_of(const std::set<std::string>& profiles,
                                     store::StagingBatch& batch) {
  for (const auto& profile_id : profiles) {
    auto it = matches_of_.find(profile_id);
    if (it == matches_of_.end()) continue;
    auto ids = std::move(it->second);
    matches_of_.erase(it);
    for (const auto& id : ids) {
      if (auto stored = read(batch, kMatchesCf, id)) {
        if (auto match = store::StoredValue<wire::Match>::parse(*stored)) {
          for (auto side : {match->get().getA(), match->get().getB()}) {
            auto other = matches_of_.find(text_of(side.getProfileId()));
            if (other != matches_of_.end()) other->second.erase(id);
          }
        }
      }
      write(batch, kMatchesCf, id, std::nullopt);
    }
  }
  auto concerns = [&](const DecodedEnvelope& event) {
    if (event.header().type != wire_type(wire::MATCHING_MATCH_FOUND)) return false;
    auto match = event.payload<wire::MatchFoundEvent>().getMatch();
    return profiles.count(text_of(match.getA().getProfileId())) > 0 ||
           profiles.count(text_of(match.getB().getProfileId())) > 0;
  };
  auto redacted = log_.redact(batch.batch(), log_.origin(), concerns);
  if (!redacted) {
    spdlog::error("matching: erasure could not redact match events: {}",
                  describe(redacted.error()));
  } else if (redacted.value() > 0) {
    spdlog::info("matching: erasure redacted {} match events", redacted.value());
  }
}

void MatchingCore::retract_matches(const std::string& profile_id, const std::string& reason,
                                   store::StagingBatch& batch) {
  auto it = matches_of_.find(profile_id);
  if (it == matches_of_.end()) return;
  for (const auto& id : it->second) {
    auto stored = read(batch, kMatchesCf, id);
    if (!stored) continue;
    auto old = store::StoredValue<wire::Match>::parse(*stored);
    if (!old) continue;
    auto state = old->get().getState();
    if (state != wire::MatchState::ANNOUNCED && state != wire::MatchState::PENDING_APPROVAL) {
      continue;
    }
    capnp::MallocMessageBuilder message;
    message.setRoot(old->get());
    auto match = message.getRoot<wire::Match>();
    match.setState(wire::MatchState::RETRACTED);
    match.setUpdatedUs(now_us());
    if (state == wire::MatchState::PENDING_APPROVAL) {
      write(batch, kQueueCf, queue_key(match.getCreatedUs(), id), std::nullopt);
      --queue_length_;
    } else {
      --announced_;
      staged_.push_back(log_.append<wire::MatchRetractedEvent>(
          batch.batch(), wire_type(wire::MATCHING_MATCH_RETRACTED), [&](auto event) {
            event.setMatchId(id);
            auto profiles = event.initProfileIds(2);
            profiles.set(0, match.getA().getProfileId());
            profiles.set(1, match.getB().getProfileId());
            event.setReason(reason);
          }));
      spdlog::info("matching: {} retracted ({} {})", id, profile_id, reason);
    }
    write(batch, kMatchesCf, id, store::to_bytes(message));
  }
}

void MatchingCore::update_owner(wire::PublicOrganisation::Reader owner,
                                store::StagingBatch& batch) {
  for (const auto& id : index_.profiles_of_owner(text_of(owner.getId()))) {
    auto stored = read(batch, kProfilesCf, id);
    if (!stored) continue;
    auto record = store::StoredValue<wire::IndexedProfile>::parse(*stored);
    if (!record) continue;
    capnp::MallocMessageBuilder message;
    message.setRoot(record->get());
    auto updated = message.getRoot<wire::IndexedProfile>();
    updated.setOwner(owner);
    write(batch, kProfilesCf, id, store::to_bytes(message));
    index_.add(updated.asReader());
  }
}

void MatchingCore::remember_organisation(wire::PublicOrganisation::Reader org,
                                         store::StagingBatch& batch) {
  std::string id = text_of(org.getId());
  if (id.empty()) return;
  if (!able_to_research(org)) {
    forget_organisation(id, batch);
    return;
  }
  capnp::MallocMessageBuilder message;
  message.setRoot(org);
  write(batch, kOrganisationsCf, id, store::to_bytes(message));
  research_orgs_[id] = make_org_doc(index_, org);
}

void MatchingCore::forget_organisation(const std::string& id, store::StagingBatch& batch) {
  if (research_orgs_.erase(id) > 0) write(batch, kOrganisationsCf, id, std::nullopt);
}

void MatchingCore::fill_organisations(wire::PartnersReply::Builder reply, const Doc& request) {
  std::vector<const OrgDoc*> orgs;
  orgs.reserve(research_orgs_.size());
  for (const auto& [id, org] : research_orgs_) orgs.push_back(&org);
  auto found =
      find_research_organisations(index_, orgs, request, options_.transnational, options_.top_k);
  auto out = reply.initOrganisations(static_cast<unsigned>(found.size()));
  for (unsigned i = 0; i < found.size(); ++i) {
    const OrgDoc& org = *found[i].org;
    out[i].setOrganisationId(org.id);
    out[i].setCountry(index_.countries().text(org.country));
    out[i].setType(static_cast<wire::OrgType>(org.type));
    out[i].setSizeClass(static_cast<wire::SizeClass>(org.size));
    out[i].setName(org.name);
    out[i].setScore(found[i].score);
    explain_organisation(index_, request, found[i], out[i].initExplanation());
  }
}

void MatchingCore::committed() {
  if (erasures_) scrubber_.request();
  erasures_ = false;
  log_.committed(staged_);
  if (publisher_) publisher_->publish(staged_);
  staged_.clear();
}

void MatchingCore::aborted() {
  erasures_ = false;
  staged_.clear();
  log_.aborted();
  if (GOSMART_BREAK_POINT("matching.keep_index_on_abort")) return;
  load();  // the index and pair map ran ahead of the store: start again from it
}

rocksdb::WriteBatch MatchingCore::seal_api() {
  api_in_flight_ = std::exchange(staged_, {});
  return api_batch_.seal();
}

void MatchingCore::api_landed() {
  api_batch_.landed();
  log_.committed(api_in_flight_);
  if (publisher_) publisher_->publish(api_in_flight_);
  api_in_flight_.clear();
}

void MatchingCore::api_lost() {
  api_batch_.lost();
  api_in_flight_.clear();
  aborted();
}

std::string MatchingCore::partners_reply(const service::Request& request, const Doc& query,
                                         const std::vector<Candidate>& found,
                                         const ReplyNotes& notes) {
  auto reply = service::make_reply(info_, request, wire_type(wire::MATCHING_PARTNERS_REPLY));
  auto payload = reply.init_payload<wire::PartnersReply>();
  payload.setThreshold(options_.threshold);
  payload.setTopK(static_cast<uint32_t>(options_.top_k));
  payload.setShows(notes.shows);
  auto excluded = payload.initExcluded(static_cast<unsigned>(notes.excluded.size()));
  for (unsigned i = 0; i < notes.excluded.size(); ++i) {
    excluded[i].setRule(notes.excluded[i].first);
    excluded[i].setCount(static_cast<uint32_t>(notes.excluded[i].second));
  }
  // A research request's own list of organisations able to do the research, outside
  // threshold and top_k of the profile list.
  if (!query.profile_id.empty() &&
      query.kind == static_cast<uint8_t>(wire::ProfileKind::RESEARCH_PARTNER_REQUEST)) {
    fill_organisations(payload, query);
  }
  auto matches = payload.initMatches(static_cast<unsigned>(found.size()));
  for (unsigned i = 0; i < found.size(); ++i) {
    fill_match(matches[i], query, index_.doc(found[i].slot), found[i].score);
    if (notes.mark_weaker) {
      matches[i].setWeaker(found[i].score.score < options_.threshold || i >= options_.top_k);
    }
    if (!query.profile_id.empty()) {
      auto stored = read(api_batch_, kMatchesCf,
                         match_id(query.profile_id, index_.doc(found[i].slot).profile_id));
      if (stored) {
        if (auto m = store::StoredValue<wire::Match>::parse(*stored)) {
          matches[i].setState(m->get().getState());
        }
      }
    }
  }
  return reply.encode();
}

Result<std::string> MatchingCore::partners(const service::Request& request) {
  auto asked = request.envelope.payload<wire::PartnersRequest>();
  std::string id = text_of(asked.getProfileId());
  auto slot = index_.find(id);
  if (!slot) return not_found("published profile", id);
  MatchQuery query;
  query.doc = &index_.doc(*slot);
  query.transnational = options_.transnational;
  ReplyNotes notes;
  char threshold[32];
  std::snprintf(threshold, sizeof threshold, "%.2f", options_.threshold);
  if (asked.getAll()) {
    // Weaker candidates too, each marked: what a broker looks at before lowering the
    // threshold.
    query.limit = limit_of(asked.getLimit(), options_.top_k);
    notes.mark_weaker = true;
    notes.shows = std::string("all candidates, best first; those below the threshold ") +
                  threshold + " or past top_k " + std::to_string(options_.top_k) +
                  " are marked weaker and are not announced";
  } else {
    query.limit = std::min(limit_of(asked.getLimit(), options_.top_k), options_.top_k);
    query.min_score = options_.threshold;
    notes.shows = std::string("what would be announced: score at or above ") + threshold +
                  ", at most " + std::to_string(options_.top_k);
  }
  auto found = find_partners(scorer_, query);
  if (found.empty()) notes.excluded = exclusions(scorer_, query);
  return partners_reply(request, index_.doc(*slot), found, notes);
}

// A search's list: at most 50 entries, none empty, each at most `max_bytes` long
// (outside wave 4: a search of 100,000 keywords or of empty ones was taken).
namespace {

Status search_list_fault(capnp::List<capnp::Text>::Reader list, const char* name,
                         std::size_t max_bytes) {
  constexpr unsigned kMaxEntries = 50;
  if (list.size() > kMaxEntries) {
    return fail(ErrorCode::INVALID_FIELD, "at most " + std::to_string(kMaxEntries) + " entries",
                name);
  }
  for (unsigned i = 0; i < list.size(); ++i) {
    std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    if (list[i].size() == 0) return fail(ErrorCode::INVALID_FIELD, "must not be empty", at);
    if (list[i].size() > max_bytes) {
      return fail(ErrorCode::INVALID_FIELD, "at most " + std::to_string(max_bytes) + " bytes", at);
    }
  }
  return {};
}

}  // namespace

Result<std::string> MatchingCore::search(const service::Request& request) {
  auto asked = request.envelope.payload<wire::SearchRequest>();
  if (asked.getText().size() == 0 && asked.getKeywords().size() == 0 &&
      asked.getNaceCodes().size() == 0 && asked.getDomains().size() == 0) {
    return fail(ErrorCode::INVALID_FIELD, "give text, keywords, NACE codes or domains", "text");
  }
  if (asked.getText().size() > 4000) {
    return fail(ErrorCode::INVALID_FIELD, "at most 4000 bytes", "text");
  }
  for (auto [list, name, max_bytes] :
       {std::tuple{asked.getKeywords(), "keywords", std::size_t{200}},
        std::tuple{asked.getNaceCodes(), "naceCodes", std::size_t{16}},
        std::tuple{asked.getDomains(), "domains", std::size_t{100}},
        std::tuple{asked.getCountries(), "countries", std::size_t{2}}}) {
    if (auto bad = search_list_fault(list, name, max_bytes); !bad) return bad.error();
  }
  for (unsigned c = 0; c < asked.getCountries().size(); ++c) {
    auto country = text_of(asked.getCountries()[c]);
    if (std::find(options_.members.begin(), options_.members.end(), country) ==
        options_.members.end()) {
      return fail(ErrorCode::INVALID_FIELD, "'" + country + "' is not a federation member",
                  "countries[" + std::to_string(c) + "]");
    }
  }
  Doc query;
  for (auto& term : analyser_.terms(text_of(asked.getText()))) {
    if (auto id = index_.terms().find(term)) query.terms.emplace_back(*id, 1);
  }
  for (auto keyword : asked.getKeywords()) {
    for (auto& term : analyser_.terms(text_of(keyword))) {
      if (auto id = index_.terms().find(term)) query.terms.emplace_back(*id, 2);
    }
  }
  std::sort(query.terms.begin(), query.terms.end());
  // Repeats of a term add up to one entry.
  std::vector<std::pair<uint32_t, uint16_t>> merged;
  for (const auto& [term, count] : query.terms) {
    if (!merged.empty() && merged.back().first == term) {
      merged.back().second = static_cast<uint16_t>(merged.back().second + count);
    } else {
      merged.emplace_back(term, count);
    }
  }
  query.terms = std::move(merged);
  for (const auto& [term, count] : query.terms) query.length += count;
  for (auto domain : asked.getDomains()) {
    if (auto id = index_.domains().find(text_of(domain))) {
      query.domains.push_back(static_cast<uint16_t>(*id));
    }
  }
  std::sort(query.domains.begin(), query.domains.end());
  unsigned i = 0;
  for (auto code : asked.getNaceCodes()) {
    auto parsed = parse_nace(text_of(code));
    if (!parsed) {
      return fail(ErrorCode::INVALID_FIELD, "not a NACE Rev.2 code: " + text_of(code),
                  "naceCodes[" + std::to_string(i) + "]");
    }
    query.nace.push_back(*parsed);
    ++i;
  }
  MatchQuery match_query;
  match_query.doc = &query;
  match_query.reciprocal = false;
  match_query.transnational = false;
  match_query.limit = limit_of(asked.getLimit(), 10);
  unsigned k = 0;
  for (auto kind : asked.getKinds()) {
    // An enum on the wire is any 16-bit number: only the five kinds index anything.
    auto value = static_cast<uint16_t>(kind);
    if (value < 1 || value > 5) {
      return fail(ErrorCode::INVALID_FIELD, "not a profile kind: " + std::to_string(value),
                  "kinds[" + std::to_string(k) + "]");
    }
    match_query.kinds.push_back(static_cast<uint8_t>(value));
    ++k;
  }
  if (match_query.kinds.empty()) match_query.kinds = {1, 2, 3, 4, 5};
  for (auto country : asked.getCountries()) {
    auto id = index_.countries().find(text_of(country));
    if (id && *id < 32) match_query.countries_mask |= 1u << *id;
  }
  ReplyNotes notes;
  notes.shows = "the best partners for the query, one direction; no threshold";
  if (asked.getCountries().size() > 0 && match_query.countries_mask == 0) {
    return partners_reply(request, query, {}, notes);  // no profile from those countries
  }
  return partners_reply(request, query, find_partners(scorer_, match_query), notes);
}

Result<std::string> MatchingCore::queue(const service::Request& request) {
  auto limit = limit_of(request.envelope.payload<wire::QueueRequest>().getLimit(), 100);
  std::vector<std::string> pending;
  auto it = store_.iterate(store_.cf(kQueueCf));
  for (it->SeekToFirst(); it->Valid() && pending.size() < limit; it->Next()) {
    auto key = it->key().ToString();
    if (key.size() <= 8) continue;
    auto stored = read(api_batch_, kMatchesCf, key.substr(8));
    if (stored) pending.push_back(*stored);
  }
  auto reply = service::make_reply(info_, request, wire_type(wire::MATCHING_QUEUE_REPLY));
  auto matches =
      reply.init_payload<wire::QueueReply>().initMatches(static_cast<unsigned>(pending.size()));
  for (unsigned i = 0; i < pending.size(); ++i) {
    auto match = store::StoredValue<wire::Match>::parse(pending[i]);
    if (match) matches.setWithCaveats(i, match->get());
  }
  return reply.encode();
}

Result<std::string> MatchingCore::decide(const service::Request& request) {
  auto decision = request.envelope.payload<wire::MatchDecision>();
  std::string id = text_of(decision.getMatchId());
  if (decision.getComment().size() > 2000) {
    return fail(ErrorCode::INVALID_FIELD, "at most 2000 bytes", "comment");
  }
  auto stored = read(api_batch_, kMatchesCf, id);
  if (!stored) return not_found("match", id);
  auto old = store::StoredValue<wire::Match>::parse(*stored);
  if (!old) return fail(ErrorCode::INTERNAL, "stored match unreadable");
  if (old->get().getState() != wire::MatchState::PENDING_APPROVAL) {
    return fail(ErrorCode::CONFLICT, "the match is not waiting for a decision", "matchId");
  }
  capnp::MallocMessageBuilder message;
  message.setRoot(old->get());
  auto match = message.getRoot<wire::Match>();
  match.setState(decision.getApprove() ? wire::MatchState::ANNOUNCED : wire::MatchState::DISMISSED);
  match.setDecidedBy(request.caller.user_id());
  match.setComment(decision.getComment());
  match.setUpdatedUs(now_us());
  write(api_batch_, kQueueCf, queue_key(match.getCreatedUs(), id), std::nullopt);
  --queue_length_;
  if (decision.getApprove()) {
    emit_found(api_batch_, match.asReader());
    ++announced_;
  }
  write(api_batch_, kMatchesCf, id, store::to_bytes(message));
  spdlog::info("matching: {} {} by {}", id, decision.getApprove() ? "approved" : "dismissed",
               request.caller.user_id());
  request.reply_concerns(text_of(match.getA().getOwnerId()));
  request.reply_concerns(text_of(match.getB().getOwnerId()));
  auto reply = service::make_reply(info_, request, wire_type(wire::MATCHING_MATCH_REPLY));
  reply.init_payload<wire::MatchReply>().setMatch(match.asReader());
  return reply.encode();
}

Result<std::string> MatchingCore::get_match(const service::Request& request) {
  std::string id = text_of(request.envelope.payload<wire::MatchGet>().getMatchId());
  auto stored = read(api_batch_, kMatchesCf, id);
  if (!stored) return not_found("match", id);
  auto match = store::StoredValue<wire::Match>::parse(*stored);
  if (!match) return fail(ErrorCode::INTERNAL, "stored match unreadable");
  auto reply = service::make_reply(info_, request, wire_type(wire::MATCHING_MATCH_REPLY));
  reply.init_payload<wire::MatchReply>().setMatch(match->get());
  return reply.encode();
}

void MatchingCore::install(service::ApiServer& server) {
  server.handle(wire_type(wire::MATCHING_PARTNERS), kReaders,
                [this](const auto& r) { return partners(r); });
  server.handle(wire_type(wire::MATCHING_SEARCH), kReaders,
                [this](const auto& r) { return search(r); });
  server.handle(wire_type(wire::MATCHING_QUEUE), {Role::broker, Role::monitor},
                [this](const auto& r) { return queue(r); });
  server.handle_write(wire_type(wire::MATCHING_DECIDE), {Role::broker},
                      [this](const auto& r) { return decide(r); });
  server.handle(wire_type(wire::MATCHING_MATCH_GET), kReaders,
                [this](const auto& r) { return get_match(r); });
}

}  // namespace gosmart::matching
