#include "common/service/idempotency.hpp"

#include <capnp/any.h>
#include <capnp/serialize.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/core/break_point.hpp"
#include "common/envelope/envelope.hpp"
#include "common/store/keys.hpp"

namespace gosmart::service {

namespace {

std::string entry_key(std::string_view caller, std::string_view message_id) {
  std::string key = "r";
  key.append(caller);
  key.push_back('\0');
  key.append(message_id);
  return key;
}

// The subject row of an entry: 's' subject \0, then the entry key without its 'r'.
std::string subject_key(std::string_view subject, std::string_view entry) {
  std::string key = "s";
  key.append(subject);
  key.push_back('\0');
  key.append(entry.substr(1));
  return key;
}

// Set in the subject count of an entry that carries its request's digest. Entries
// written before digests were kept have it clear and are read as before.
constexpr uint64_t kHasDigest = uint64_t{1} << 63;

std::string encode_value(int64_t stored_at_us, const std::vector<std::string>& subjects,
                         std::string_view digest, const std::string& reply) {
  std::string value;
  store::keys::append_u64(value, static_cast<uint64_t>(stored_at_us));
  store::keys::append_u64(value, subjects.size() | kHasDigest);
  for (const auto& subject : subjects) {
    store::keys::append_u64(value, subject.size());
    value.append(subject);
  }
  store::keys::append_u64(value, digest.size());
  value.append(digest);
  value.append(reply);
  return value;
}

struct StoredEntry {
  int64_t stored_at_us = 0;
  std::vector<std::string> subjects;
  std::optional<std::string_view> digest;  // none in entries older than digests
  std::string_view reply;
};

std::optional<StoredEntry> decode_value(std::string_view value) {
  auto take_u64 = [&value]() -> std::optional<uint64_t> {
    if (value.size() < 8) return std::nullopt;
    auto number = store::keys::read_u64(value.substr(0, 8));
    value.remove_prefix(8);
    return number;
  };
  StoredEntry entry;
  auto at = take_u64();
  auto count = take_u64();
  if (!at || !count) return std::nullopt;
  bool has_digest = (*count & kHasDigest) != 0;
  uint64_t subjects = *count & ~kHasDigest;
  if (subjects > value.size()) return std::nullopt;
  entry.stored_at_us = static_cast<int64_t>(*at);
  auto take_bytes = [&]() -> std::optional<std::string_view> {
    auto size = take_u64();
    if (!size || *size > value.size()) return std::nullopt;
    auto bytes = value.substr(0, *size);
    value.remove_prefix(*size);
    return bytes;
  };
  for (uint64_t i = 0; i < subjects; ++i) {
    auto subject = take_bytes();
    if (!subject) return std::nullopt;
    entry.subjects.emplace_back(*subject);
  }
  if (has_digest) {
    entry.digest = take_bytes();
    if (!entry.digest) return std::nullopt;
  }
  entry.reply = value;
  return entry;
}

}  // namespace

Result<std::string> request_digest(const DecodedEnvelope& request) {
  return guarded([&]() -> Result<std::string> {
    // A reader of its own: reading through the request's would spend the traversal
    // budget its handler has for reading the payload.
    auto frame = request.bytes();
    kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(frame.data()),
                                          frame.size() / sizeof(capnp::word));
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 2 * words.size() + 64;
    capnp::FlatArrayMessageReader reader(words, options);
    // The canonical form: a retry that is built again (new timestamp, other
    // layout) is still the same request.
    auto payload =
        reader.getRoot<wire::Envelope>().getPayload().getAs<capnp::AnyStruct>().canonicalize();
    auto bytes = payload.asBytes();
    const auto& type = request.header().type;
    std::string digest(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(type.data()),
                              type.size() + 1);  // with its terminator: no ambiguity of joins
    crypto_hash_sha256_update(&state, bytes.begin(), bytes.size());
    crypto_hash_sha256_final(&state, reinterpret_cast<uint8_t*>(digest.data()));
    return digest;
  });
}

IdempotencyStore::IdempotencyStore(store::Store& store, std::chrono::seconds retention, Clock clock)
    : store_(store),
      cf_(store.cf(kIdempotencyFamily)),
      retention_(retention),
      clock_(clock ? std::move(clock) : Clock(now_us)) {}

bool IdempotencyStore::expired(int64_t stored_at_us) const {
  return clock_() - stored_at_us >=
         std::chrono::duration_cast<std::chrono::microseconds>(retention_).count();
}

std::chrono::milliseconds IdempotencyStore::purge_interval() const {
  auto tenth = std::chrono::duration_cast<std::chrono::milliseconds>(retention_) / 10;
  return std::clamp<std::chrono::milliseconds>(tenth, std::chrono::seconds(1),
                                               std::chrono::minutes(10));
}

std::optional<KeptReply> IdempotencyStore::find(std::string_view caller,
                                                std::string_view message_id,
                                                std::string_view digest) const {
  if (GOSMART_BREAK_POINT("idempotency.forget_replies")) return std::nullopt;
  auto key = entry_key(caller, message_id);
  if (auto it = pending_.find(key); it != pending_.end()) {
    return KeptReply{it->second.reply, it->second.digest == digest};
  }
  auto stored = store_.get(cf_, key);
  if (!stored) {
    // Not knowing is not a reason to refuse the write: it runs as if first seen.
    spdlog::error("idempotency: lookup failed: {}", describe(stored.error()));
    return std::nullopt;
  }
  if (!stored.value()) return std::nullopt;
  auto entry = decode_value(*stored.value());
  if (!entry || expired(entry->stored_at_us)) return std::nullopt;
  return KeptReply{std::string(entry->reply), !entry->digest || *entry->digest == digest};
}

std::string IdempotencyStore::stage(rocksdb::WriteBatch& batch, std::string_view caller,
                                    std::string_view message_id, std::string_view digest,
                                    const std::string& reply,
                                    const std::vector<std::string>& subjects) {
  auto key = entry_key(caller, message_id);
  batch.Put(cf_, key, encode_value(clock_(), subjects, digest, reply));
  for (const auto& subject : subjects) batch.Put(cf_, subject_key(subject, key), "");
  pending_[key] = Pending{reply, subjects, std::string(digest)};
  return key;
}

void IdempotencyStore::settle(const std::vector<std::string>& keys) {
  for (const auto& key : keys) pending_.erase(key);
}

Result<std::size_t> IdempotencyStore::forget(rocksdb::WriteBatch& batch,
                                             const std::string& subject) {
  std::vector<std::string> entries;
  for (const auto& [key, pending] : pending_) {
    if (std::find(pending.subjects.begin(), pending.subjects.end(), subject) !=
        pending.subjects.end()) {
      entries.push_back(key);
    }
  }
  std::string prefix = "s" + subject;
  prefix.push_back('\0');
  auto it = store_.iterate(cf_);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    entries.push_back("r" + it->key().ToString().substr(prefix.size()));
  }
  if (!it->status().ok()) return fail(ErrorCode::INTERNAL, it->status().ToString());
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  for (const auto& key : entries) {
    // The entry's other subjects lose their row too: it points at nothing now.
    std::vector<std::string> subjects{subject};
    if (auto pending = pending_.find(key); pending != pending_.end()) {
      subjects = pending->second.subjects;
      pending_.erase(pending);
    } else if (auto stored = store_.get(cf_, key); stored && stored.value()) {
      if (auto entry = decode_value(*stored.value())) subjects = entry->subjects;
    }
    batch.Delete(cf_, key);
    for (const auto& other : subjects) batch.Delete(cf_, subject_key(other, key));
    batch.Delete(cf_, subject_key(subject, key));
  }
  return entries.size();
}

Result<std::size_t> IdempotencyStore::purge_expired() {
  rocksdb::WriteBatch batch;
  std::size_t purged = 0;
  auto it = store_.iterate(cf_);
  for (it->Seek("r"); it->Valid() && it->key().starts_with("r"); it->Next()) {
    auto key = it->key().ToString();
    // A retry after expiry may be pending under the same key: its entry is new.
    if (pending_.count(key)) continue;
    auto entry = decode_value(it->value().ToStringView());
    if (entry && !expired(entry->stored_at_us)) continue;
    batch.Delete(cf_, key);
    if (entry) {
      for (const auto& subject : entry->subjects) batch.Delete(cf_, subject_key(subject, key));
    }
    ++purged;
  }
  if (!it->status().ok()) return fail(ErrorCode::INTERNAL, it->status().ToString());
  if (purged == 0) return purged;
  // Not synced: a purge lost in a crash is simply done again by the next timer.
  auto committed = store_.commit(batch, store::Durability::no_sync);
  if (!committed) return committed.error();
  return purged;
}

}  // namespace gosmart::service
