#include "common/replication/event_log.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "common/store/keys.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::replication {

std::vector<std::string> event_log_column_families() {
  return {kLogColumnFamily};
}

EventLog::EventLog(store::Store& store, std::string origin, wire::Service service)
    : store_(store),
      origin_(std::move(origin)),
      service_(service),
      log_cf_(store.cf(kLogColumnFamily)) {
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

StagedEvent EventLog::relay_passed_over(rocksdb::WriteBatch& batch, const DecodedEnvelope& event,
                                        const Failure& refusal) {
  const auto& header = event.header();
  EnvelopeBuilder builder(header.origin_country, header.origin_service,
                          wire_type(wire::PLATFORM_PASSED_OVER), header.origin_seq);
  auto marker = builder.init_payload<wire::PassedOver>();
  marker.setType(header.type);
  marker.setCode(error_code_name(refusal.code));
  return stage(batch, header.origin_country, header.origin_seq,
               std::string(wire_type(wire::PLATFORM_PASSED_OVER)), builder.encode());
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
