#pragma once
// A token bucket per key (a recipient's tag, a relay, a webhook host): `burst`
// sends at once, then `per_second` on average. The issue asks for a per-recipient
// and a per-server limit, so that a burst of matches does not flood one inbox and
// the institution's relay does not throttle or block the node.
//
// Memory stays bounded however many keys pass: a bucket that has refilled to full
// says nothing a new bucket would not, so it is dropped (on a sweep after every
// `kSweepEvery` takes, and whenever the table reaches `max_keys`). Time is the
// caller's (`now_us`), so tests and the service loop agree on it.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gosmart::notifier {

class RateLimiter {
 public:
  // std::invalid_argument unless per_second > 0 and burst >= 1.
  RateLimiter(double per_second, double burst, std::size_t max_keys = 100'000);

  // Takes a token from `key`'s bucket when it has one (true), else false and the
  // bucket is unchanged. A clock that goes back is treated as standing still.
  bool take(std::string_view key, int64_t now_us);

  // How long until `key` has a token: 0 when take() would succeed now.
  int64_t wait_us(std::string_view key, int64_t now_us) const;

  // Buckets held (not full): for tests and metrics.
  std::size_t size() const { return buckets_.size(); }

  static constexpr std::size_t kSweepEvery = 1024;

 private:
  struct Bucket {
    double tokens;
    int64_t at_us;
  };
  double tokens_at(const Bucket& bucket, int64_t now_us) const;
  void sweep(int64_t now_us);

  double per_us_, burst_;
  std::size_t max_keys_;
  std::size_t takes_ = 0;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace gosmart::notifier
