#pragma once
// Group commit without blocking the service loop: the loop hands a WriteBatch to
// a committer thread and goes on staging the next one while the fsync runs; when
// the commit lands, an eventfd wakes the loop to publish and answer. Under load the
// next batch simply holds everything that arrived meanwhile, so batch size follows
// the load and one sync covers it all.
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>

#include "common/store/store.hpp"

namespace gosmart::store {

class AsyncCommitter {
 public:
  explicit AsyncCommitter(Store& store, Durability durability = Durability::sync);
  ~AsyncCommitter();
  AsyncCommitter(const AsyncCommitter&) = delete;
  AsyncCommitter& operator=(const AsyncCommitter&) = delete;

  // One batch at a time: call only when !busy(). `ticket` comes back with the result.
  void submit(rocksdb::WriteBatch batch, uint64_t ticket);
  bool busy() const { return busy_; }

  // Readable (level-triggered) while a finished commit waits to be collected.
  int notify_fd() const { return event_fd_; }

  struct Done {
    uint64_t ticket = 0;
    Status status;
  };
  // The finished commit, if there is one; clears the notification.
  std::optional<Done> collect();
  // Blocks until the batch in flight is committed and returns its result.
  std::optional<Done> wait();

 private:
  void run();

  Store& store_;
  Durability durability_;
  int event_fd_ = -1;
  bool busy_ = false;  // loop thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<rocksdb::WriteBatch> pending_;
  uint64_t pending_ticket_ = 0;
  std::optional<Done> done_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gosmart::store
