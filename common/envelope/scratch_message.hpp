#pragma once
// A MallocMessageBuilder whose first segment is lent by a per-thread pool of
// zeroed buffers. A plain MallocMessageBuilder callocs (and zeroes) a fresh 8 KiB
// first segment for every message; a service that builds four small messages per
// request spent more on that than on the messages. Cap'n Proto re-zeroes the used
// part of a lent segment when the builder goes, so the buffer is ready for reuse.
#include <capnp/message.h>

namespace gosmart {

class ScratchLease {
 protected:
  ScratchLease();
  ~ScratchLease();
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  kj::ArrayPtr<capnp::word> space_;
};

// Declared base first: the lease exists before the builder uses it and outlives it.
class ScratchMessage : private ScratchLease, public capnp::MallocMessageBuilder {
 public:
  ScratchMessage() : capnp::MallocMessageBuilder(space_) {}
};

}  // namespace gosmart
