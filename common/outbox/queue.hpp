#pragma once
// The storage of an outbox: one column family of entries, each a request to one
// destination (a peer's api, an e-mail address, a webhook). An entry is staged into
// the owner's batch together with the change that causes it, so it exists exactly
// when that change does; it is removed in the owner's batch too, together with the
// change its answer settles (sender.hpp). The queue itself never commits.
//
// Key: destination, a zero byte, a big-endian sequence number. RocksDB's key order
// is then the order of entries per destination, and a destination's oldest entry
// is one seek away however many other destinations wait.
#include <rocksdb/write_batch_base.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/store/store.hpp"

namespace gosmart::outbox {

struct Entry {
  std::string key;  // as stored; the removal needs it
  std::string destination;
  std::string payload;  // what the destination's courier sends, opaque here
};

class Queue {
 public:
  // Reads the highest sequence in use once, so new entries go after every entry
  // stored (numbers of deleted entries may be used again; order is all they give).
  Queue(store::Store& store, const std::string& column_family);

  // Stages a new entry, the last of its destination. A destination is a non-empty
  // name without zero bytes (std::invalid_argument otherwise: a programming error).
  void stage(rocksdb::WriteBatchBase& batch, std::string_view destination,
             std::string_view payload);
  void stage_removal(rocksdb::WriteBatchBase& batch, const Entry& entry) const;

  // The oldest committed entry of a destination, if any (staged entries are not
  // seen until their batch is durable).
  Result<std::optional<Entry>> oldest(std::string_view destination) const;
  // The first committed entry of a destination whose key is past `settled` (the key
  // of one of its entries removed for good). Why: a removed entry stays a tombstone
  // until compaction, and a seek from the destination's start steps over every one,
  // so a lane sending thousands in a row would pay for all earlier sends on each
  // send. It misses an entry numbered before `settled` whose batch landed late
  // (sender.hpp looks from the start now and then for those).
  Result<std::optional<Entry>> next_after(std::string_view destination,
                                          std::string_view settled) const;

  // The first committed entry of a destination past `after` (from its start when
  // empty) that `eligible` accepts, in one pass; `passed` is the key of the last
  // entry passed over on the way (empty if none), so a caller can go on from there.
  using Eligible = std::function<bool(const Entry&)>;
  struct Found {
    std::optional<Entry> entry;
    std::string passed;
  };
  Result<Found> first_eligible(std::string_view destination, std::string_view after,
                               const Eligible& eligible) const;
  // Up to `limit` committed entries of a destination past `after` that `eligible`
  // accepts, in order, in one pass (a windowed courier's next run).
  Result<std::vector<Entry>> eligible_after(std::string_view destination, std::string_view after,
                                            const Eligible& eligible, std::size_t limit) const;
  // The committed entry stored under `key`, if it still is.
  Result<std::optional<Entry>> at(std::string_view key) const;

 private:
  Result<std::optional<Entry>> first_from(std::string_view destination,
                                          std::string_view from) const;

  store::Store& store_;
  rocksdb::ColumnFamilyHandle* cf_;
  uint64_t last_seq_ = 0;
};

}  // namespace gosmart::outbox
