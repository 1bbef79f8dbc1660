// The audit's cost per event and per proof, against the simplest tamper-evident log
// of the same events, in one run:
//   audit.append_per_s     events appended as leaves (entry, the perfect subtrees they
//                          close, the event's place, the tree's edge), through the
//                          stream applier, in synced batches of 256 as a subscriber
//                          commits them
//   audit.chain_per_s      the baseline: the same events as a bare SHA-256 hash chain
//                          (h = SHA-256(h' || SHA-256(event))), one key per event, the
//                          same synced batches (DESIGN.md's other option)
//   audit.append_ratio     the first ÷ the second
//   audit.proof_us         an inclusion proof of a random event in the tree of all of
//                          them, read from the store (O(log² n) nodes), median
//   audit.proof_gets       the same, in units of one stored value read (the baseline
//                          measured in the same run)
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <random>

#include "bench/baselines.hpp"
#include "common/envelope/envelope.hpp"
#include "common/store/keys.hpp"
#include "common/store/staging_batch.hpp"
#include "schemas/probe.capnp.h"
#include "services/audit/audit_log.hpp"

using namespace gosmart;

namespace {

constexpr std::size_t kBatch = 256;

std::vector<std::string> make_events(uint64_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t seq = 1; seq <= count; ++seq) {
    EnvelopeHeader header;
    header.message_id = random_message_id();
    header.origin_country = "PL";
    header.origin_service = wire::Service::REGISTRY;
    header.origin_seq = seq;
    header.type = "probe.event";
    header.timestamp_us = now_us();
    EnvelopeBuilder builder(header);
    auto event = builder.init_payload<wire::ProbeEvent>();
    event.setIndex(seq);
    std::string body(240, 'x');
    event.setBody(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
    out.push_back(builder.encode());
  }
  return out;
}

DecodedEnvelope decoded(const std::string& bytes) {
  auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
  if (!event) throw std::runtime_error("bench: an event that does not decode");
  return std::move(event).value();
}

double audit_append(const std::filesystem::path& dir, const std::vector<std::string>& events,
                    std::unique_ptr<store::Store>& kept) {
  kept = store::Store::open(dir, audit::audit_column_families({"registry"}));
  audit::AuditLog log(*kept, "gosmart-audit/PL");
  auto applier = log.applier_for("registry");
  auto started = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < events.size(); at += kBatch) {
    store::StagingBatch batch(*kept);
    for (std::size_t i = at; i < std::min(events.size(), at + kBatch); ++i) {
      if (!applier->apply(decoded(events[i]), batch)) throw std::runtime_error("bench: refused");
    }
    applier->prepare_commit(batch);
    if (!kept->commit(batch.batch())) throw std::runtime_error("bench: commit failed");
    applier->committed();
  }
  double rate = static_cast<double>(events.size()) / bench::seconds_since(started);
  if (log.size() != events.size()) throw std::runtime_error("bench: leaves missing");
  return rate;
}

double chain_append(const std::filesystem::path& dir, const std::vector<std::string>& events) {
  auto store = store::Store::open(dir, {"chain"});
  auto* cf = store->cf("chain");
  std::array<uint8_t, 32> head{};
  auto started = std::chrono::steady_clock::now();
  for (std::size_t at = 0; at < events.size(); at += kBatch) {
    rocksdb::WriteBatch batch;
    for (std::size_t i = at; i < std::min(events.size(), at + kBatch); ++i) {
      auto event = decoded(events[i]);  // as the audit reads it: decoded, then hashed
      auto bytes = event.bytes();
      std::array<uint8_t, 64> link{};
      std::copy(head.begin(), head.end(), link.begin());
      crypto_hash_sha256(link.data() + 32, bytes.data(), bytes.size());
      crypto_hash_sha256(head.data(), link.data(), link.size());
      batch.Put(cf, store::keys::u64(i),
                rocksdb::Slice(reinterpret_cast<const char*>(head.data()), head.size()));
    }
    if (!store->commit(batch)) throw std::runtime_error("bench: commit failed");
  }
  return static_cast<double>(events.size()) / bench::seconds_since(started);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"audit benchmark"};
  uint64_t count = 100'000;
  int proofs = 2000;
  app.add_option("--events", count, "events appended");
  app.add_option("--proofs", proofs, "inclusion proofs timed");
  CLI11_PARSE(app, argc, argv);
  if (sodium_init() < 0) return 1;

  auto events = make_events(count);
  auto dir = bench::scratch_dir("audit");
  bench::settle_disk();
  double chain = chain_append(dir / "chain", events);
  bench::settle_disk();
  std::unique_ptr<store::Store> store;
  double ours = audit_append(dir / "audit", events, store);

  // Proofs from the store the run just wrote, and one value read as their unit.
  audit::AuditLog log(*store, "gosmart-audit/PL");
  std::mt19937_64 random(17);
  std::vector<double> proof_us;
  std::vector<double> get_us;
  for (int i = 0; i < proofs; ++i) {
    uint64_t seq = 1 + random() % count;
    auto started = std::chrono::steady_clock::now();
    auto proof = log.inclusion("registry", "PL", seq, 0);
    proof_us.push_back(bench::seconds_since(started) * 1e6);
    if (!proof) throw std::runtime_error("bench: no proof for " + std::to_string(seq));
    started = std::chrono::steady_clock::now();
    auto value = store->get(store->cf(audit::kLeavesCf), store::keys::u64(seq - 1));
    get_us.push_back(bench::seconds_since(started) * 1e6);
    if (!value || !value.value()) throw std::runtime_error("bench: a leaf missing");
  }
  double proof = bench::median(proof_us);
  double get = bench::median(get_us);
  bench::report("audit.append_per_s", ours, "events/s");
  bench::report("audit.chain_per_s", chain, "events/s");
  bench::report("audit.append_ratio", ours / chain, "x");
  bench::report("audit.proof_us", proof, "us");
  bench::report("audit.proof_gets", proof / get, "x");
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
