#pragma once
// Makes deleted data leave the disk, for erasure: a RocksDB delete is a tombstone
// until compaction, and the write-ahead log holding the old bytes lives on until
// every column family with data in it has flushed. A scrub flushes every column
// family (so the old WAL files become obsolete and are deleted) and compacts every
// family down to its bottommost level (so no SST keeps the old values). It runs on
// its own thread, since a full compaction may take seconds, and requests made while
// one runs are coalesced into the next.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/store/store.hpp"

namespace gosmart::store {

class Scrubber {
 public:
  explicit Scrubber(Store& store);
  ~Scrubber();  // finishes a requested scrub first: erasure must not wait for a restart
  Scrubber(const Scrubber&) = delete;
  Scrubber& operator=(const Scrubber&) = delete;

  // Call once the batch with the deletes is committed.
  void request();
  uint64_t completed() const;  // scrubs finished so far
  // Blocks until every scrub requested so far is finished (tests, shutdown).
  void wait_idle();

 private:
  void run();
  Status scrub();

  Store& store_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  uint64_t requested_ = 0;
  uint64_t completed_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gosmart::store
