#include "common/store/async_commit.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

namespace gosmart::store {

AsyncCommitter::AsyncCommitter(Store& store, Durability durability)
    : store_(store), durability_(durability) {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  thread_ = std::thread([this] { run(); });
}

AsyncCommitter::~AsyncCommitter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();  // a batch in flight is committed before the thread ends
  ::close(event_fd_);
}

void AsyncCommitter::submit(rocksdb::WriteBatch batch, uint64_t ticket) {
  if (busy_) throw std::logic_error("AsyncCommitter: a batch is already in flight");
  busy_ = true;
  {
    std::lock_guard lock(mutex_);
    pending_ = std::move(batch);
    pending_ticket_ = ticket;
  }
  wake_.notify_one();
}

void AsyncCommitter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || pending_.has_value(); });
    if (!pending_) return;  // stopping, nothing in flight
    rocksdb::WriteBatch batch = std::move(*pending_);
    pending_.reset();
    uint64_t ticket = pending_ticket_;
    lock.unlock();
    Status status = store_.commit(batch, durability_);
    lock.lock();
    done_ = Done{ticket, std::move(status)};
    uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
    wake_.notify_all();
  }
}

std::optional<AsyncCommitter::Done> AsyncCommitter::collect() {
  std::lock_guard lock(mutex_);
  if (!done_) return std::nullopt;
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);
  auto done = std::move(done_);
  done_.reset();
  busy_ = false;
  return done;
}

std::optional<AsyncCommitter::Done> AsyncCommitter::wait() {
  if (!busy_) return std::nullopt;
  {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return done_.has_value(); });
  }
  return collect();
}

}  // namespace gosmart::store
