#include "common/service/commit_pipeline.hpp"

#include <spdlog/spdlog.h>

#include "common/core/break_point.hpp"

namespace gosmart::service {

CommitPipeline::CommitPipeline(store::Store& store, StagedWrites& staged, std::size_t max_waiting)
    : staged_(staged), committer_(store), max_waiting_(max_waiting) {}

void CommitPipeline::release(std::vector<Waiter>& waiters, bool stored) {
  auto ready = std::move(waiters);
  waiters.clear();
  for (auto& waiter : ready) waiter(stored);
}

void CommitPipeline::after_durable(Waiter waiter) {
  if (!committer_.busy() && !staged_.has_changes()) {
    waiter(true);
    return;
  }
  waiting_.push_back(std::move(waiter));
}

void CommitPipeline::flush() {
  if (committer_.busy()) {
    if (waiting_.size() < max_waiting_) return;
    land(*committer_.wait());  // back-pressure: the loop stops reading for one fsync
  }
  if (committer_.busy()) return;  // land() started the next batch
  if (!staged_.has_changes()) {
    release(waiting_, true);
    return;
  }
  committer_.submit(staged_.seal(), next_ticket_++);
  in_flight_ = std::move(waiting_);
  waiting_.clear();
}

void CommitPipeline::on_landed() {
  if (auto done = committer_.collect()) land(*done);
}

void CommitPipeline::land(const store::AsyncCommitter::Done& done) {
  if (!done.status && !GOSMART_BREAK_POINT("pipeline.lost_reported_stored")) {
    spdlog::error("commit failed: {}; {} replies answered unavailable",
                  describe(done.status.error()), in_flight_.size() + waiting_.size());
    // What was staged meanwhile may build on the lost batch (an update of an
    // organisation registered in it): it is given up too.
    staged_.lost();
    release(in_flight_, false);
    release(waiting_, false);
    return;
  }
  staged_.landed();
  release(in_flight_, true);
  flush();
}

void CommitPipeline::finish() {
  flush();
  while (committer_.busy()) land(*committer_.wait());  // land() submits what was staged
}

}  // namespace gosmart::service
