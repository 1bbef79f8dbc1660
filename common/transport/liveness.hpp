#pragma once
// Peer liveness (Paranoid Pirate, zyre's evasive/expired) and reconnect back-off.
// Pure logic over a clock value so it is testable without sockets or sleeps.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace gosmart::transport {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

enum class PeerState { unknown, alive, evasive, expired };
const char* peer_state_name(PeerState state);

class PeerLiveness {
 public:
  PeerLiveness(Millis evasive_after, Millis expired_after)
      : evasive_after_(evasive_after), expired_after_(expired_after) {}

  void heard(Clock::time_point now) {  // any traffic counts
    last_heard_ = now;
    ever_heard_ = true;
  }
  PeerState state(Clock::time_point now) const {
    if (!ever_heard_) return PeerState::unknown;
    auto silent = now - last_heard_;
    if (silent >= expired_after_) return PeerState::expired;
    if (silent >= evasive_after_) return PeerState::evasive;
    return PeerState::alive;
  }
  Millis silent_for(Clock::time_point now) const {
    return ever_heard_ ? std::chrono::duration_cast<Millis>(now - last_heard_) : Millis::max();
  }

 private:
  Millis evasive_after_;
  Millis expired_after_;
  Clock::time_point last_heard_{};
  bool ever_heard_ = false;
};

// Exponential back-off with full jitter: the n-th wait is uniform in
// [0, min(max, initial * 2^n)], so many clients retrying together spread out.
class Backoff {
 public:
  Backoff(Millis initial, Millis max) : initial_(initial), max_(max) {}
  Millis ceiling() const {
    int64_t ceiling = initial_.count() << std::min(attempt_, 30);
    return Millis(std::min<int64_t>(ceiling, max_.count()));
  }
  Millis next() {
    auto limit = static_cast<uint32_t>(ceiling().count());
    ++attempt_;
    return Millis(limit == 0 ? 0 : randombytes_uniform(limit + 1));
  }
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  Millis initial_;
  Millis max_;
  int attempt_ = 0;
};

inline const char* peer_state_name(PeerState state) {
  switch (state) {
    case PeerState::alive:
      return "alive";
    case PeerState::evasive:
      return "evasive";
    case PeerState::expired:
      return "expired";
    case PeerState::unknown:
      break;
  }
  return "unknown";
}

}  // namespace gosmart::transport
