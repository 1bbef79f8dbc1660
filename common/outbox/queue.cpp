#include "common/outbox/queue.hpp"

#include <stdexcept>

#include "common/store/keys.hpp"

namespace gosmart::outbox {

namespace {

std::string prefix_of(std::string_view destination) {
  std::string prefix(destination);
  prefix.push_back('\0');
  return prefix;
}

}  // namespace

Queue::Queue(store::Store& store, const std::string& column_family)
    : store_(store), cf_(store.cf(column_family)) {
  auto it = store_.iterate(cf_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key().ToStringView();
    if (key.size() < 8) continue;
    auto seq = store::keys::read_u64(key.substr(key.size() - 8));
    if (seq && *seq > last_seq_) last_seq_ = *seq;
  }
}

void Queue::stage(rocksdb::WriteBatchBase& batch, std::string_view destination,
                  std::string_view payload) {
  if (destination.empty() || destination.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("outbox: a destination is a non-empty name without zero bytes");
  }
  std::string key = prefix_of(destination);
  store::keys::append_u64(key, ++last_seq_);
  auto status = batch.Put(cf_, key, rocksdb::Slice(payload.data(), payload.size()));
  if (!status.ok()) throw std::runtime_error("outbox: cannot stage an entry: " + status.ToString());
}

void Queue::stage_removal(rocksdb::WriteBatchBase& batch, const Entry& entry) const {
  auto status = batch.Delete(cf_, entry.key);
  if (!status.ok())
    throw std::runtime_error("outbox: cannot stage a removal: " + status.ToString());
}

Result<std::optional<Entry>> Queue::oldest(std::string_view destination) const {
  return first_from(destination, prefix_of(destination));
}

Result<std::optional<Entry>> Queue::next_after(std::string_view destination,
                                               std::string_view settled) const {
  // A key of another destination is no place to start from.
  if (!settled.starts_with(prefix_of(destination))) return oldest(destination);
  // The smallest key above `settled`: the same bytes with a zero byte appended.
  std::string from(settled);
  from.push_back('\0');
  return first_from(destination, from);
}

namespace {

// Where a look past `after` starts: right above it when it is one of the
// destination's keys, else at the destination's start.
std::string start_past(const std::string& prefix, std::string_view after) {
  if (!after.starts_with(prefix)) return prefix;
  std::string from(after);
  from.push_back('\0');
  return from;
}

}  // namespace

Result<std::vector<Entry>> Queue::eligible_after(std::string_view destination,
                                                 std::string_view after, const Eligible& eligible,
                                                 std::size_t limit) const {
  const std::string prefix = prefix_of(destination);
  std::string from = start_past(prefix, after);
  std::string past = std::string(destination) + '\x01';
  rocksdb::Slice upper(past);
  auto it = store_.iterate_below(cf_, &upper);
  std::vector<Entry> out;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid() && out.size() < limit;
       it->Next()) {
    if (!it->key().starts_with(prefix)) break;
    Entry entry{it->key().ToString(), std::string(destination), it->value().ToString()};
    if (eligible(entry)) out.push_back(std::move(entry));
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::UNAVAILABLE, "outbox: cannot read: " + it->status().ToString());
  }
  return out;
}

Result<Queue::Found> Queue::first_eligible(std::string_view destination, std::string_view after,
                                           const Eligible& eligible) const {
  const std::string prefix = prefix_of(destination);
  std::string from = start_past(prefix, after);
  std::string past = std::string(destination) + '\x01';
  rocksdb::Slice upper(past);
  auto it = store_.iterate_below(cf_, &upper);
  Found found;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    if (!it->key().starts_with(prefix)) break;
    Entry entry{it->key().ToString(), std::string(destination), it->value().ToString()};
    if (eligible(entry)) {
      found.entry = std::move(entry);
      break;
    }
    found.passed = std::move(entry.key);
  }
  if (!it->status().ok()) {
    return fail(ErrorCode::UNAVAILABLE, "outbox: cannot read: " + it->status().ToString());
  }
  return found;
}

Result<std::optional<Entry>> Queue::at(std::string_view key) const {
  auto zero = key.find('\0');
  if (zero == std::string_view::npos) return std::optional<Entry>{};
  auto value = store_.get(cf_, key);
  if (!value) return value.error();
  if (!value.value()) return std::optional<Entry>{};
  return std::optional<Entry>{
      Entry{std::string(key), std::string(key.substr(0, zero)), std::move(*value.value())}};
}

Result<std::optional<Entry>> Queue::first_from(std::string_view destination,
                                               std::string_view from) const {
  const std::string prefix = prefix_of(destination);
  // Past the destination's keys (its name and a one byte) the iterator stops: an idle
  // destination does not step over the next one's removed entries.
  std::string past = std::string(destination) + '\x01';
  rocksdb::Slice upper(past);
  auto it = store_.iterate_below(cf_, &upper);
  it->Seek(rocksdb::Slice(from.data(), from.size()));
  if (!it->status().ok()) {
    return fail(ErrorCode::UNAVAILABLE, "outbox: cannot read: " + it->status().ToString());
  }
  if (!it->Valid() || !it->key().starts_with(prefix)) return std::optional<Entry>{};
  return std::optional<Entry>{
      Entry{it->key().ToString(), std::string(destination), it->value().ToString()}};
}

}  // namespace gosmart::outbox
