#include "common/replication/event_log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "common/store/keys.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::replication {

namespace {

constexpr const char* kEpochKey = "writer_epoch";

// FNV-1a: distinguishes several conflicting contents kept for one seq and epoch.
uint64_t content_hash(std::span<const uint8_t> bytes) {
  uint64_t hash = 14695981039346656037ULL;
  for (uint8_t byte : bytes) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string conflict_key(const EnvelopeHeader& header, std::span<const uint8_t> bytes) {
  std::string key = store::keys::origin_seq(header.origin_country, header.origin_seq);
  store::keys::append_u64(key, header.writer_epoch);
  store::keys::append_u64(key, content_hash(bytes));
  return key;
}

uint32_t begin_epoch(store::Store& store) {
  auto* meta = store.cf(kLogMetaColumnFamily);
  auto stored = store.get(meta, kEpochKey);
  if (!stored) throw std::runtime_error("event log: cannot read the writer epoch");
  uint64_t last = 0;
  if (stored.value()) {
    auto value = store::keys::read_u64(*stored.value());
    if (!value) throw std::runtime_error("event log: unreadable writer epoch");
    last = *value;
  }
  // One past the last, and never below the seconds since 2020 (fits a UInt32 until
  // 2156): the counter lives in the data directory, so a node restored from a
  // backup would count again from the backup's epoch and reissue the epoch of the
  // run the restore threw away (outside finding N1 of issue 11). The clock moves
  // it past every epoch begun before the restore; a counter alone could not.
  const auto since_2020 = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          1577836800;
  uint64_t next = std::max<uint64_t>(last + 1, since_2020 > 0 ? since_2020 : 0);
  if (next >= UINT32_MAX) throw std::runtime_error("event log: writer epochs exhausted");
  rocksdb::WriteBatch batch;
  batch.Put(meta, kEpochKey, store::keys::u64(next));
  auto committed = store.commit(batch);  // synced: no event under it before it is durable
  if (!committed) {
    throw std::runtime_error("event log: cannot store the writer epoch: " +
                             describe(committed.error()));
  }
  return static_cast<uint32_t>(next);
}

}  // namespace

std::vector<std::string> event_log_column_families() {
  return {kLogColumnFamily, kLogMetaColumnFamily, kConflictColumnFamily};
}

EventLog::EventLog(store::Store& store, std::string origin, wire::Service service)
    : store_(store),
      origin_(std::move(origin)),
      service_(service),
      log_cf_(store.cf(kLogColumnFamily)),
      conflict_cf_(store.cf(kConflictColumnFamily)),
      epoch_(begin_epoch(store)) {
  auto kept = store_.iterate(conflict_cf_);
  for (kept->SeekToFirst(); kept->Valid(); kept->Next()) {
    ++conflicts_[kept->key().ToString().substr(0, 2)];
  }
  // Each origin's head is its last key in the log: one seek per origin at start
  // instead of a head record rewritten with every event.
  auto it = store_.iterate(log_cf_);
  it->SeekToFirst();
  while (it->Valid()) {
    std::string found = it->key().ToString().substr(0, 2);
    std::string past_end = store::keys::origin_seq(found, UINT64_MAX);
    it->SeekForPrev(past_end);
    auto last = store::keys::read_origin_seq(std::string_view(it->key().data(), it->key().size()));
    if (!last) throw std::runtime_error("event log: unreadable key in " + store.dir().string());
    committed_[found] = last->seq;
    it->Seek(past_end);
    if (it->Valid() && it->key() == past_end) it->Next();
  }
  if (!it->status().ok()) {
    throw std::runtime_error("event log: cannot read " + store.dir().string() + ": " +
                             it->status().ToString());
  }
  staged_ = committed_;
}

uint64_t EventLog::head(const std::string& origin) const {
  auto it = committed_.find(origin);
  return it == committed_.end() ? 0 : it->second;
}

uint64_t EventLog::staged_head(const std::string& origin) const {
  auto it = staged_.find(origin);
  return it == staged_.end() ? 0 : it->second;
}

StagedEvent EventLog::stage(rocksdb::WriteBatch& batch, const std::string& origin, uint64_t seq,
                            std::string topic, std::string bytes) {
  batch.Put(log_cf_, store::keys::origin_seq(origin, seq), bytes);
  staged_[origin] = seq;
  return StagedEvent{std::move(topic), std::move(bytes), origin, seq};
}

StagedEvent EventLog::relay(rocksdb::WriteBatch& batch, const DecodedEnvelope& event) {
  const auto& header = event.header();
  auto bytes = event.bytes();
  return stage(batch, header.origin_country, header.origin_seq, header.type,
               std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

StagedEvent EventLog::restore(rocksdb::WriteBatch& batch, const DecodedEnvelope& event) {
  return relay(batch, event);
}

Result<std::optional<std::string>> EventLog::event_at(const std::string& origin,
                                                      uint64_t seq) const {
  return store_.get(log_cf_, store::keys::origin_seq(origin, seq));
}

Result<Held> EventLog::compare(const DecodedEnvelope& event) const {
  const auto& header = event.header();
  if (is_placeholder(header.type)) return Held::none;
  auto held = event_at(header.origin_country, header.origin_seq);
  if (!held) return held.error();
  if (!held.value()) return Held::none;
  const std::string& bytes = *held.value();
  auto incoming = event.bytes();
  if (bytes.size() == incoming.size() &&
      std::equal(incoming.begin(), incoming.end(),
                 reinterpret_cast<const uint8_t*>(bytes.data()))) {
    return Held::same;
  }
  // A placeholder held here (refused, or redacted by an erasure) stands for content
  // this node chose not to keep: nothing to compare with.
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!decoded || is_placeholder(decoded.value().header().type)) return Held::none;
  return Held::other;
}

Result<bool> EventLog::keep_conflict(rocksdb::WriteBatch& batch, const DecodedEnvelope& event) {
  std::string key = conflict_key(event.header(), event.bytes());
  auto kept = store_.get(conflict_cf_, key);
  if (!kept) return kept.error();
  if (kept.value()) return false;
  auto bytes = event.bytes();
  batch.Put(conflict_cf_, key,
            rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  ++conflicts_[event.header().origin_country];
  return true;
}

uint64_t EventLog::conflicts(const std::string& origin) const {
  auto it = conflicts_.find(origin);
  return it == conflicts_.end() ? 0 : it->second;
}

uint64_t EventLog::conflicts_total() const {
  uint64_t total = 0;
  for (const auto& [origin, count] : conflicts_) total += count;
  return total;
}

StagedEvent EventLog::relay_passed_over(rocksdb::WriteBatch& batch, const DecodedEnvelope& event,
                                        const Failure& refusal) {
  const auto& header = event.header();
  EnvelopeBuilder builder(header.origin_country, header.origin_service,
                          wire_type(wire::PLATFORM_PASSED_OVER), header.origin_seq);
  builder.root().setWriterEpoch(header.writer_epoch);
  auto marker = builder.init_payload<wire::PassedOver>();
  marker.setType(header.type);
  marker.setCode(error_code_name(refusal.code));
  return stage(batch, header.origin_country, header.origin_seq,
               std::string(wire_type(wire::PLATFORM_PASSED_OVER)), builder.encode());
}

StagedEvent EventLog::relay_unreadable(rocksdb::WriteBatch& batch, const std::string& origin,
                                       uint64_t seq, const Failure& why) {
  EnvelopeBuilder builder(origin, wire::Service::UNKNOWN, wire_type(wire::PLATFORM_PASSED_OVER),
                          seq);
  auto marker = builder.init_payload<wire::PassedOver>();
  marker.setType("");
  marker.setCode(error_code_name(why.code));
  return stage(batch, origin, seq, std::string(wire_type(wire::PLATFORM_PASSED_OVER)),
               builder.encode());
}

Result<std::size_t> EventLog::redact(
    rocksdb::WriteBatch& batch, const std::string& origin,
    const std::function<bool(const DecodedEnvelope&)>& concerns) const {
  std::size_t redacted = 0;
  auto it = store_.iterate(log_cf_);
  std::string first = store::keys::origin_seq(origin, 0);
  for (it->Seek(first); it->Valid(); it->Next()) {
    auto key = store::keys::read_origin_seq(std::string_view(it->key().data(), it->key().size()));
    if (!key || key->origin != origin) break;
    auto event =
        decode_envelope({reinterpret_cast<const uint8_t*>(it->value().data()), it->value().size()});
    if (!event || is_placeholder(event.value().header().type)) continue;
    // A payload that cannot be read is left as it is: it cannot be told apart.
    auto picked = guarded([&]() -> Result<bool> { return concerns(event.value()); });
    if (!picked || !picked.value()) continue;
    const auto& header = event.value().header();
    EnvelopeBuilder builder(header.origin_country, header.origin_service,
                            wire_type(wire::PLATFORM_REDACTED), header.origin_seq);
    builder.root().setWriterEpoch(header.writer_epoch);
    builder.init_payload<wire::Redacted>().setType(header.type);
    batch.Put(log_cf_, it->key(), builder.encode());
    ++redacted;
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::INTERNAL, "event log read failed: " + it->status().ToString());
  }
  return redacted;
}

void EventLog::committed() {
  committed_ = staged_;
}

void EventLog::committed(const std::vector<StagedEvent>& events) {
  for (const auto& event : events) {
    auto& head = committed_[event.origin];
    head = std::max(head, event.seq);
  }
}
void EventLog::aborted() {
  staged_ = committed_;
}

void EventLog::aborted(const std::string& origin) {
  auto it = committed_.find(origin);
  if (it == committed_.end()) {
    staged_.erase(origin);
  } else {
    staged_[origin] = it->second;
  }
}

Result<LogPage> EventLog::read_after(const std::string& origin, uint64_t after,
                                     std::size_t max_events, std::size_t max_bytes) const {
  LogPage page;
  page.head = head(origin);
  if (after >= page.head) return page;
  auto it = store_.iterate(log_cf_);
  std::size_t bytes = 0;
  uint64_t expected = after + 1;
  for (it->Seek(store::keys::origin_seq(origin, expected));
       it->Valid() && page.events.size() < max_events && expected <= page.head; it->Next()) {
    auto key = store::keys::read_origin_seq(std::string_view(it->key().data(), it->key().size()));
    if (!key || key->origin != origin || key->seq != expected) break;
    if (!page.events.empty() && bytes + it->value().size() > max_bytes) break;
    bytes += it->value().size();
    page.events.emplace_back(it->value().data(), it->value().size());
    ++expected;
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::INTERNAL, "event log read failed: " + it->status().ToString());
  }
  return page;
}

}  // namespace gosmart::replication
