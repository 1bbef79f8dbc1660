#pragma once
// The probe's durable state: how many events it holds and a chained digest of them
// in sequence order, both written in the same batch as the events themselves.
#include <array>
#include <cstdint>
#include <string>

#include "common/replication/subscriber.hpp"
#include "common/store/store.hpp"

namespace gosmart::probe {

inline constexpr const char* kProbeColumnFamily = "probe";

// Deterministic bytes for event `index`, so writer and reader agree on content.
std::string probe_body(uint64_t index, std::size_t size);

struct Chain {
  uint64_t count = 0;
  std::array<uint8_t, 32> digest{};

  // digest = SHA-256(digest ‖ origin ‖ seq (big-endian) ‖ body)
  void add(std::string_view origin, uint64_t seq, std::string_view body);
  std::string digest_hex() const;
};

class ProbeState {
 public:
  explicit ProbeState(store::Store& store);
  void stage(std::string_view origin, uint64_t seq, std::string_view body);
  void write(rocksdb::WriteBatch& batch) const;  // the staged chain, once per batch
  void committed() { committed_ = staged_; }
  void aborted() { staged_ = committed_; }
  const Chain& chain() const { return committed_; }

 private:
  rocksdb::ColumnFamilyHandle* cf_;
  Chain committed_;
  Chain staged_;
};

class ProbeApplier : public replication::Applier {
 public:
  explicit ProbeApplier(ProbeState& state) : state_(state) {}
  Status apply(const DecodedEnvelope& event, store::StagingBatch& unused) override;
  void prepare_commit(store::StagingBatch& batch) override { state_.write(batch.batch()); }
  void committed() override { state_.committed(); }
  void aborted() override { state_.aborted(); }

 private:
  ProbeState& state_;
};

}  // namespace gosmart::probe
