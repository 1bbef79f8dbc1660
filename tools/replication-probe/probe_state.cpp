#include "tools/replication-probe/probe_state.hpp"

#include <sodium.h>

#include <cstring>

#include "common/store/keys.hpp"
#include "schemas/probe.capnp.h"

namespace gosmart::probe {

std::string probe_body(uint64_t index, std::size_t size) {
  std::string body(size, '\0');
  uint64_t x = index * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    body[i] = static_cast<char>(x & 0xff);
  }
  return body;
}

void Chain::add(std::string_view origin, uint64_t seq, std::string_view body) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, digest.data(), digest.size());
  crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(origin.data()), origin.size());
  std::string seq_bytes = store::keys::u64(seq);
  crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(seq_bytes.data()), 8);
  crypto_hash_sha256_update(&state, reinterpret_cast<const uint8_t*>(body.data()), body.size());
  crypto_hash_sha256_final(&state, digest.data());
  ++count;
}

std::string Chain::digest_hex() const {
  return to_hex(digest);
}

ProbeState::ProbeState(store::Store& store) : cf_(store.cf(kProbeColumnFamily)) {
  auto count = store.get(cf_, "count");
  auto digest = store.get(cf_, "digest");
  if (!count || !digest) throw std::runtime_error("probe: cannot read its state");
  if (count.value() && digest.value() && digest.value()->size() == 32) {
    committed_.count = store::keys::read_u64(*count.value()).value_or(0);
    std::memcpy(committed_.digest.data(), digest.value()->data(), 32);
  }
  staged_ = committed_;
}

void ProbeState::stage(std::string_view origin, uint64_t seq, std::string_view body) {
  staged_.add(origin, seq, body);
}

void ProbeState::write(rocksdb::WriteBatch& batch) const {
  batch.Put(cf_, "count", store::keys::u64(staged_.count));
  batch.Put(cf_, "digest",
            rocksdb::Slice(reinterpret_cast<const char*>(staged_.digest.data()), 32));
}

Status ProbeApplier::apply(const DecodedEnvelope& event, store::StagingBatch& /*unused*/) {
  if (event.header().type != wire_type(wire::PROBE_EVENT)) {
    return fail(ErrorCode::UNKNOWN_TYPE, "not a probe event: " + event.header().type, "type");
  }
  auto payload = event.payload<wire::ProbeEvent>();
  if (payload.getIndex() != event.header().origin_seq) {
    return fail(ErrorCode::INVALID_FIELD, "index differs from the origin sequence", "index");
  }
  auto body = payload.getBody();
  state_.stage(event.header().origin_country, event.header().origin_seq,
               std::string_view(reinterpret_cast<const char*>(body.begin()), body.size()));
  return {};
}

}  // namespace gosmart::probe
