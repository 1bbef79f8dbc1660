#include "common/envelope/scratch_message.hpp"

#include <memory>
#include <vector>

namespace gosmart {
namespace {

constexpr std::size_t kSegmentWords = 1024;  // Cap'n Proto's suggested first segment

struct Pool {
  std::vector<std::unique_ptr<capnp::word[]>> free;
};

thread_local Pool pool;

}  // namespace

ScratchLease::ScratchLease() {
  capnp::word* segment;
  if (pool.free.empty()) {
    segment = new capnp::word[kSegmentWords]();  // zeroed
  } else {
    segment = pool.free.back().release();
    pool.free.pop_back();
  }
  space_ = kj::arrayPtr(segment, kSegmentWords);
}

ScratchLease::~ScratchLease() {
  // Keep a few for the next messages; a burst of nested builders frees the rest.
  if (pool.free.size() < 16) {
    pool.free.emplace_back(space_.begin());
  } else {
    delete[] space_.begin();
  }
}

}  // namespace gosmart
