#include "services/audit/audit_log.hpp"

#include <capnp/message.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/core/break_point.hpp"
#include "common/replication/event_log.hpp"
#include "common/store/capnp_value.hpp"
#include "common/store/keys.hpp"
#include "schemas/audit.capnp.h"
#include "services/audit/domain/note.hpp"

namespace gosmart::audit {

namespace {

constexpr std::string_view kFrontierKey = "frontier";

std::string node_key(const NodeId& id) {
  std::string key(1, static_cast<char>(id.level));
  store::keys::append_u64(key, id.index);
  return key;
}

std::string event_key(const std::string& service, const std::string& origin, uint64_t seq) {
  std::string key = service + "|" + origin + "|";
  store::keys::append_u64(key, seq);
  return key;
}

// The leaves of one event's place, oldest first: one, or more after a rewrite.
std::vector<uint64_t> indices_of(std::string_view value) {
  std::vector<uint64_t> out;
  for (std::size_t at = 0; at + 8 <= value.size(); at += 8) {
    if (auto index = store::keys::read_u64(value.substr(at, 8))) out.push_back(*index);
  }
  return out;
}

std::string frontier_bytes(const Frontier& frontier, uint64_t rewritten) {
  capnp::MallocMessageBuilder message;
  auto f = message.initRoot<wire::AuditFrontier>();
  f.setSize(frontier.size());
  f.setRewritten(rewritten);
  auto edge = f.initEdge(static_cast<unsigned>(frontier.edge().size()));
  for (unsigned i = 0; i < edge.size(); ++i) {
    const auto& h = frontier.edge()[i];
    edge.set(i, capnp::Data::Reader(h.data(), h.size()));
  }
  return store::to_bytes(message);
}

uint64_t read_rewritten(store::Store& store) {
  auto stored = store.get(store.cf(kTreeCf), kFrontierKey);
  if (!stored || !stored.value()) return 0;
  auto value = store::StoredValue<wire::AuditFrontier>::parse(*stored.value());
  return value ? value->get().getRewritten() : 0;
}

Frontier read_frontier(store::Store& store) {
  auto stored = store.get(store.cf(kTreeCf), kFrontierKey);
  if (!stored) throw std::runtime_error("audit: cannot read the tree: " + stored.error().message);
  Frontier out;
  if (!stored.value()) return out;  // a new log
  auto value = store::StoredValue<wire::AuditFrontier>::parse(*stored.value());
  if (!value) throw std::runtime_error("audit: the stored tree is unreadable");
  auto f = value->get();
  std::vector<Hash> edge;
  for (auto h : f.getEdge()) {
    if (h.size() != 32) throw std::runtime_error("audit: the stored tree has a bad hash");
    Hash hash;
    std::copy(h.begin(), h.end(), hash.begin());
    edge.push_back(hash);
  }
  if (!Frontier::from_edge(f.getSize(), std::move(edge), out)) {
    throw std::runtime_error("audit: the stored tree's edge does not fit its size");
  }
  return out;
}

}  // namespace

std::string cursors_cf(const std::string& service) {
  return service + "_cursors";
}

std::vector<std::string> audit_column_families(const std::vector<std::string>& streams) {
  // The host's own stream needs its event log, though the audit writes none yet.
  auto out = replication::event_log_column_families();
  // With witnessing's (witness.hpp, witnessing.hpp): what it cosigned of its peers'
  // logs, and what they cosigned of this one.
  for (const char* name : {kLeavesCf, kNodesCf, kLeafOfEventCf, kTreeCf, "witnessed", "cosigned"}) {
    out.push_back(name);
  }
  for (const auto& stream : streams) out.push_back(cursors_cf(stream));
  return out;
}

std::string leaf_entry(const std::string& service, const DecodedEnvelope& event) {
  auto bytes = event.bytes();
  std::array<uint8_t, 32> digest{};
  // libsodium's pointer may not be null, even for no bytes.
  static const uint8_t nothing = 0;
  crypto_hash_sha256(digest.data(), bytes.empty() ? &nothing : bytes.data(), bytes.size());
  const auto& h = event.header();
  return "gosmart-audit/v1 " + service + " " + h.origin_country + " " +
         std::to_string(h.origin_seq) + " " + h.type + " " + hash_text(digest);
}

class AuditLog::StreamApplier : public replication::Applier {
 public:
  StreamApplier(AuditLog& log, std::string service) : log_(log), service_(std::move(service)) {}
  Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) override {
    return log_.append(service_, event, batch);
  }
  void placeholder(const DecodedEnvelope& event, store::StagingBatch& batch) override {
    (void)log_.append(service_, event, batch);  // a number without content: its leaf too
  }
  bool duplicate(const DecodedEnvelope& event, store::StagingBatch& batch) override {
    return log_.compare_again(service_, event, batch);
  }
  void unreadable(const std::string& origin, uint64_t seq, const Failure&,
                  store::StagingBatch& batch) override {
    log_.append_entry(service_, origin, seq, unreadable_entry(service_, origin, seq), batch);
  }
  void prepare_commit(store::StagingBatch& batch) override { log_.prepare_commit(batch); }
  void committed() override {
    if (log_.staged_) log_.committed();
  }
  void aborted() override { log_.aborted(); }

 private:
  AuditLog& log_;
  std::string service_;
};

AuditLog::AuditLog(store::Store& store, std::string log_origin)
    : store_(store),
      origin_(std::move(log_origin)),
      committed_(read_frontier(store)),
      rewritten_(read_rewritten(store)) {}

std::unique_ptr<replication::Applier> AuditLog::applier_for(const std::string& service) {
  return std::make_unique<StreamApplier>(*this, service);
}

std::string unreadable_entry(const std::string& service, const std::string& origin, uint64_t seq) {
  return "gosmart-audit/v1 " + service + " " + origin + " " + std::to_string(seq) + " unreadable -";
}

Status AuditLog::append(const std::string& service, const DecodedEnvelope& event,
                        store::StagingBatch& batch) {
  const auto& h = event.header();
  append_entry(service, h.origin_country, h.origin_seq, leaf_entry(service, event), batch);
  return {};
}

void AuditLog::append_entry(const std::string& service, const std::string& origin, uint64_t seq,
                            const std::string& entry, store::StagingBatch& batch) {
  if (!staged_) {
    staged_ = committed_;
    staged_entries_.clear();
  }
  uint64_t index = staged_->size();
  batch.put_unread(store_.cf(kLeavesCf), store::keys::u64(index), entry);
  // Read back within the drain (a rewrite compares with it): an indexed write. A
  // rewrite adds its leaf to the place's list, so an older tree still proves the
  // leaf it holds.
  auto key = event_key(service, origin, seq);
  auto prior = batch.get(store_.cf(kLeafOfEventCf), key);
  std::string places = prior && prior.value() ? *prior.value() : std::string();
  store::keys::append_u64(places, index);
  batch.put(store_.cf(kLeafOfEventCf), key, places);
  staged_entries_[index] = entry;
  for (const auto& [id, hash] : staged_->append_nodes(leaf_hash(entry))) {
    batch.put_unread(store_.cf(kNodesCf), node_key(id),
                     std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
  }
}

void AuditLog::prepare_commit(store::StagingBatch& batch) {
  if (!staged_ || GOSMART_BREAK_POINT("audit.forget_frontier")) return;
  batch.put_unread(store_.cf(kTreeCf), kFrontierKey,
                   frontier_bytes(*staged_, rewritten_ + staged_rewritten_));
}

bool AuditLog::compare_again(const std::string& service, const DecodedEnvelope& event,
                             store::StagingBatch& batch) {
  const auto& h = event.header();
  // A redaction (an erasure) puts a placeholder where the event was: not a rewrite.
  if (replication::is_placeholder(h.type)) return false;
  auto where =
      batch.get(store_.cf(kLeafOfEventCf), event_key(service, h.origin_country, h.origin_seq));
  auto places = where && where.value() ? indices_of(*where.value()) : std::vector<uint64_t>{};
  if (places.empty()) return false;  // recorded before this audit's time: nothing to compare
  std::optional<uint64_t> index = places.back();
  std::string entry = leaf_entry(service, event);
  std::optional<std::string> recorded;
  if (staged_ && *index >= committed_.size()) {
    recorded =
        staged_entries_.contains(*index) ? std::optional(staged_entries_.at(*index)) : std::nullopt;
  } else {
    auto stored = store_.get(store_.cf(kLeavesCf), store::keys::u64(*index));
    if (stored && stored.value()) recorded = *stored.value();
  }
  if (!recorded || *recorded == entry) return false;
  spdlog::error(
      "audit: {} {} #{} came again with other content (a rollback and rewrite of the "
      "writer's log): recorded as a new leaf, the earlier one stays",
      service, h.origin_country, h.origin_seq);
  append_entry(service, h.origin_country, h.origin_seq, entry, batch);
  ++staged_rewritten_;
  return true;
}

std::optional<Hash> AuditLog::node(const NodeId& id) const {
  // Only nodes of the committed tree: a proof never names an uncommitted leaf.
  auto stored = store_.get(store_.cf(kNodesCf), node_key(id));
  if (!stored || !stored.value() || stored.value()->size() != 32) return std::nullopt;
  Hash out;
  std::copy(stored.value()->begin(), stored.value()->end(), out.begin());
  return out;
}

std::string AuditLog::checkpoint_text() const {
  return audit::checkpoint_text(Checkpoint{origin_, committed_.size(), committed_.root(), {}});
}

Result<InclusionAnswer> AuditLog::inclusion(const std::string& service, const std::string& origin,
                                            uint64_t seq, uint64_t tree_size) const {
  uint64_t size = committed_.size();
  if (tree_size > size) {
    return fail(
        ErrorCode::INVALID_FIELD,
        "the tree has " + std::to_string(size) + " leaves, not " + std::to_string(tree_size),
        "treeSize");
  }
  if (tree_size == 0) tree_size = size;
  auto where = store_.get(store_.cf(kLeafOfEventCf), event_key(service, origin, seq));
  if (!where) return where.error();
  auto places = where.value() ? indices_of(*where.value()) : std::vector<uint64_t>{};
  if (places.empty() || places.front() >= size) {
    return fail(ErrorCode::NOT_FOUND, "the audit has no event " + origin + " " +
                                          std::to_string(seq) + " of the " + service + " stream");
  }
  // The newest of its leaves within the tree asked for.
  std::optional<uint64_t> index;
  for (uint64_t place : places) {
    if (place < tree_size) index = place;
  }
  if (!index) {
    return fail(ErrorCode::NOT_FOUND, "the event is leaf " + std::to_string(places.front()) +
                                          ", after the tree of " + std::to_string(tree_size));
  }
  auto entry = store_.get(store_.cf(kLeavesCf), store::keys::u64(*index));
  if (!entry) return entry.error();
  auto reader = [this](const NodeId& id) { return node(id); };
  auto path = inclusion_proof(reader, *index, tree_size);
  auto root = range_root(reader, 0, tree_size);
  if (!entry.value() || !path || !root) {
    return fail(ErrorCode::INTERNAL, "the audit's stored tree is missing a node");
  }
  return InclusionAnswer{*index, tree_size, *entry.value(), std::move(*path), *root};
}

Result<ConsistencyAnswer> AuditLog::consistency(uint64_t old_size, uint64_t new_size) const {
  uint64_t size = committed_.size();
  if (new_size == 0) new_size = size;
  if (new_size > size) {
    return fail(ErrorCode::INVALID_FIELD,
                "the tree has " + std::to_string(size) + " leaves, not " + std::to_string(new_size),
                "newSize");
  }
  if (old_size > new_size) {
    return fail(ErrorCode::INVALID_FIELD,
                old_size > size ? "the tree has " + std::to_string(size) + " leaves, not " +
                                      std::to_string(old_size)
                                : "oldSize is larger than newSize",
                "oldSize");
  }
  auto reader = [this](const NodeId& id) { return node(id); };
  auto path = consistency_proof(reader, old_size, new_size);
  auto old_root = range_root(reader, 0, old_size);
  auto new_root = range_root(reader, 0, new_size);
  if (!path || !old_root || !new_root) {
    return fail(ErrorCode::INTERNAL, "the audit's stored tree is missing a node");
  }
  return ConsistencyAnswer{old_size, new_size, std::move(*path), *old_root, *new_root};
}

}  // namespace gosmart::audit
