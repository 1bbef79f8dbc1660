#pragma once
// An outbox owner for tests without a service: its status change for an answered
// entry is "status"[payload] = outcome (reason), staged into a batch the test lands
// (committed, then the waiting settles told) or loses. The store needs a "status"
// column family.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/outbox/sender.hpp"
#include "common/store/store.hpp"

namespace gosmart::testing {

inline const char* outcome_name(outbox::Settlement::Outcome outcome) {
  switch (outcome) {
    case outbox::Settlement::Outcome::delivered:
      return "delivered";
    case outbox::Settlement::Outcome::refused:
      return "refused";
    case outbox::Settlement::Outcome::unreadable:
      return "unreadable";
    case outbox::Settlement::Outcome::cancelled:
      return "cancelled";
  }
  return "?";
}

class StagingOwner : public outbox::Owner {
 public:
  explicit StagingOwner(store::Store& store) : store_(store) {}
  std::vector<std::pair<std::string, outbox::Settlement>> settled;

  rocksdb::WriteBatchBase& staging() override { return batch_; }
  void settle(const outbox::Entry& entry, const outbox::Settlement& settlement) override {
    settled.emplace_back(entry.payload, settlement);
    REQUIRE(batch_
                .Put(store_.cf("status"), entry.payload,
                     std::string(outcome_name(settlement.outcome)) + " " + settlement.reason)
                .ok());
  }
  void commit(std::function<void(bool stored)> done) override { waiting_.push_back(done); }

  bool committing() const { return !waiting_.empty(); }
  // Commits what is staged as one batch (or loses it), as the commit pipeline does;
  // returns how many writes the batch held.
  uint32_t land(bool stored) {
    rocksdb::WriteBatch sealed = batch_;
    batch_.Clear();
    if (stored) REQUIRE(store_.commit(sealed).ok());
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& done : waiting) done(stored);
    return sealed.Count();
  }

 private:
  store::Store& store_;
  rocksdb::WriteBatch batch_;
  std::vector<std::function<void(bool)>> waiting_;
};

}  // namespace gosmart::testing
