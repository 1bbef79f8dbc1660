#include "services/notifier/domain/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace gosmart::notifier {

namespace {
// Tokens are doubles: a bucket within this of a whole token has it, so that waiting
// exactly wait_us() always succeeds whatever the rounding.
constexpr double kSlack = 1e-9;
}  // namespace

RateLimiter::RateLimiter(double per_second, double burst, std::size_t max_keys)
    : per_us_(per_second / 1e6), burst_(burst), max_keys_(std::max<std::size_t>(max_keys, 1)) {
  if (!(per_second > 0) || !(burst >= 1) || !std::isfinite(per_second) || !std::isfinite(burst)) {
    throw std::invalid_argument("a rate limit needs a rate above 0 and a burst of at least 1");
  }
}

double RateLimiter::tokens_at(const Bucket& bucket, int64_t now_us) const {
  double elapsed = static_cast<double>(std::max<int64_t>(0, now_us - bucket.at_us));
  return std::min(burst_, bucket.tokens + elapsed * per_us_);
}

void RateLimiter::sweep(int64_t now_us) {
  std::erase_if(buckets_, [&](const auto& entry) {
    return tokens_at(entry.second, now_us) + kSlack >= burst_;
  });
}

bool RateLimiter::take(std::string_view key, int64_t now_us) {
  if (++takes_ % kSweepEvery == 0) sweep(now_us);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) sweep(now_us);
    // Still full of buckets that are all draining: refuse rather than grow, a
    // caller retries after wait_us() like for any other limit.
    if (buckets_.size() >= max_keys_) return false;
    buckets_.emplace(std::string(key), Bucket{burst_ - 1, now_us});
    return true;
  }
  auto& bucket = it->second;
  double tokens = tokens_at(bucket, now_us);
  if (tokens + kSlack < 1) return false;
  bucket = {std::max(0.0, tokens - 1), std::max(now_us, bucket.at_us)};
  return true;
}

int64_t RateLimiter::wait_us(std::string_view key, int64_t now_us) const {
  auto it = buckets_.find(std::string(key));
  auto until = [this](double tokens, double wanted) {
    auto wait =
        std::max<int64_t>(0, static_cast<int64_t>(std::ceil((wanted - tokens - kSlack) / per_us_)));
    while (tokens + static_cast<double>(wait) * per_us_ + kSlack < wanted) ++wait;
    return wait;
  };
  if (it == buckets_.end()) {
    if (buckets_.size() < max_keys_) return 0;
    // A full table makes room when its first bucket is full again.
    int64_t soonest = INT64_MAX;
    for (const auto& [name, bucket] : buckets_) {
      soonest = std::min(soonest, until(tokens_at(bucket, now_us), burst_));
    }
    return soonest;
  }
  double tokens = tokens_at(it->second, now_us);
  if (tokens + kSlack >= 1) return 0;
  return until(tokens, 1);
}

}  // namespace gosmart::notifier
