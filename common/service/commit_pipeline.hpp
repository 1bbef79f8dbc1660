#pragma once
// Group commit on the service loop, pipelined: while one batch's fsync runs on the
// committer's thread, the loop goes on handling requests into the next batch.
// Replies and events wait for the durability of what was staged before them: a
// reply is sent only once every write staged up to its request is stored.
//
//   loop:      stage N+1 ... | landed(N): publish N, answer N | seal(N+1) ...
//   committer:  fsync N      |                                | fsync N+1
//
// At most one batch is in flight; when too many replies wait behind it the loop
// blocks for it (back-pressure, so memory stays bounded under any load).
#include <rocksdb/write_batch.h>

#include <functional>
#include <vector>

#include "common/store/async_commit.hpp"

namespace gosmart::service {

// The state that stages writes (a registry, say). seal() hands over what was
// staged; landed() and lost() end the batch in flight.
class StagedWrites {
 public:
  virtual ~StagedWrites() = default;
  virtual bool has_changes() const = 0;
  virtual rocksdb::WriteBatch seal() = 0;
  // The batch being staged: what the api server keeps of a write's reply goes there,
  // beside the write's effect (idempotency.hpp).
  virtual rocksdb::WriteBatch& staging_batch() = 0;
  virtual void landed() = 0;  // the sealed batch is durable: publish its events
  virtual void lost() = 0;    // it is not, nor is anything staged after it
};

class CommitPipeline {
 public:
  // `stored` is true when what was staged before the waiter is durable.
  using Waiter = std::function<void(bool stored)>;

  CommitPipeline(store::Store& store, StagedWrites& staged, std::size_t max_waiting = 64);

  // Readable when the batch in flight has landed; call on_landed() then.
  int notify_fd() const { return committer_.notify_fd(); }
  void on_landed();

  // Runs `waiter` once everything staged so far is durable (at once if nothing is).
  void after_durable(Waiter waiter);
  // Starts a commit of what is staged if none is in flight. Call after staging.
  void flush();
  rocksdb::WriteBatch& staging_batch() { return staged_.staging_batch(); }
  // Blocks until everything staged is durable (or lost); at shutdown.
  void finish();

 private:
  void land(const store::AsyncCommitter::Done& done);
  void release(std::vector<Waiter>& waiters, bool stored);

  StagedWrites& staged_;
  store::AsyncCommitter committer_;
  std::size_t max_waiting_;
  std::vector<Waiter> waiting_;    // behind what is being staged
  std::vector<Waiter> in_flight_;  // behind the batch in flight
  uint64_t next_ticket_ = 1;
};

}  // namespace gosmart::service
