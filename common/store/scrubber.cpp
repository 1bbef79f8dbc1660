#include "common/store/scrubber.hpp"

#include <rocksdb/options.h>
#include <spdlog/spdlog.h>

#include "common/core/break_point.hpp"

namespace gosmart::store {

Scrubber::Scrubber(Store& store) : store_(store), thread_([this] { run(); }) {}

Scrubber::~Scrubber() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Scrubber::request() {
  {
    std::lock_guard lock(mutex_);
    ++requested_;
  }
  wake_.notify_all();
}

uint64_t Scrubber::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

void Scrubber::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return completed_ >= requested_; });
}

void Scrubber::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || completed_ < requested_; });
    if (completed_ >= requested_) return;  // stopping with nothing asked for
    uint64_t target = requested_;
    lock.unlock();
    auto status = scrub();
    if (!status) spdlog::error("store: scrub after erasure failed: {}", describe(status.error()));
    lock.lock();
    completed_ = target;
    idle_.notify_all();
  }
}

Status Scrubber::scrub() {
  if (GOSMART_BREAK_POINT("store.skip_scrub")) return {};
  auto& db = store_.db();
  const auto& handles = store_.handles();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  auto flushed = db.Flush(flush, handles);
  if (!flushed.ok()) return fail(ErrorCode::INTERNAL, "flush failed: " + flushed.ToString());
  for (auto* cf : handles) {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    auto compacted = db.CompactRange(options, cf, nullptr, nullptr);
    if (!compacted.ok()) {
      return fail(ErrorCode::INTERNAL, "compaction failed: " + compacted.ToString());
    }
  }
  // RocksDB deletes the files this made obsolete (old WALs, old SSTs) itself, as
  // each flush and compaction finishes.
  return {};
}

}  // namespace gosmart::store
