// When the notifier sends, and how often (services/notifier/domain/preferences.hpp
// digests, rate_limit.hpp, retry.hpp, digest.hpp): digest due times across the
// daylight-saving changes, the token bucket, back-off bounds, the digest model.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>

#include "services/notifier/domain/digest.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/rate_limit.hpp"
#include "services/notifier/domain/retry.hpp"

using namespace gosmart::notifier;

namespace {

// An instant written in UTC, computed without ICU (the library under test uses it).
int64_t utc_us(int year, unsigned month, unsigned day, int hour, int minute = 0) {
  using namespace std::chrono;
  auto days = sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}};
  auto at = days + hours{hour} + minutes{minute};
  return duration_cast<microseconds>(at.time_since_epoch()).count();
}

constexpr int64_t kHourUs = 3'600'000'000;

}  // namespace

TEST_CASE("daily digests fall at 08:00 local across the daylight-saving change in Helsinki",
          "[notifier]") {
  // 2026-03-29 Finland moves from EET (UTC+2) to EEST (UTC+3) at 03:00 local.
  // Saturday 09:00 EET = 07:00 UTC; the next digest is Sunday 08:00 EEST = 05:00 UTC.
  CHECK(next_digest_due_us(Rhythm::daily, utc_us(2026, 3, 28, 7), "Europe/Helsinki") ==
        utc_us(2026, 3, 29, 5));
  // Before 08:00 local the digest is today's: Saturday 07:59 EET = 05:59 UTC.
  CHECK(next_digest_due_us(Rhythm::daily, utc_us(2026, 3, 28, 5, 59), "Europe/Helsinki") ==
        utc_us(2026, 3, 28, 6));
  // 2026-10-25 back to EET at 04:00 local: Saturday 08:00 EEST (05:00 UTC), Sunday
  // 08:00 EET (06:00 UTC): 25 hours apart, and a digest sent at its time asks for
  // the next day's, not for itself.
  auto saturday = next_digest_due_us(Rhythm::daily, utc_us(2026, 10, 24, 0), "Europe/Helsinki");
  CHECK(saturday == utc_us(2026, 10, 24, 5));
  auto sunday = next_digest_due_us(Rhythm::daily, saturday, "Europe/Helsinki");
  CHECK(sunday == utc_us(2026, 10, 25, 6));
  CHECK(sunday - saturday == 25 * kHourUs);
  CHECK(next_digest_due_us(Rhythm::daily, sunday, "Europe/Helsinki") == utc_us(2026, 10, 26, 6));
  // Just after midnight local on the change's night (23:30 UTC Saturday = 02:30 EEST).
  CHECK(next_digest_due_us(Rhythm::daily, utc_us(2026, 10, 24, 23, 30), "Europe/Helsinki") ==
        utc_us(2026, 10, 25, 6));
}

TEST_CASE("weekly digests fall on Monday 08:00 local across the change in Warsaw", "[notifier]") {
  // 2026-03-29 Poland moves from CET (UTC+1) to CEST (UTC+2). Saturday noon CET:
  // the digest is Monday 30 March 08:00 CEST = 06:00 UTC.
  CHECK(next_digest_due_us(Rhythm::weekly, utc_us(2026, 3, 28, 11), "Europe/Warsaw") ==
        utc_us(2026, 3, 30, 6));
  // The daily one on the change's day: Sunday 08:00 CEST = 06:00 UTC, 23 hours after
  // Saturday's 08:00 CET = 07:00 UTC.
  auto saturday = next_digest_due_us(Rhythm::daily, utc_us(2026, 3, 28, 0), "Europe/Warsaw");
  CHECK(saturday == utc_us(2026, 3, 28, 7));
  CHECK(next_digest_due_us(Rhythm::daily, saturday, "Europe/Warsaw") - saturday == 23 * kHourUs);
  // Monday 07:59 local is that morning's; Monday 08:00 sent asks for the next Monday.
  auto monday = utc_us(2026, 3, 30, 6);
  CHECK(next_digest_due_us(Rhythm::weekly, monday - 60'000'000, "Europe/Warsaw") == monday);
  CHECK(next_digest_due_us(Rhythm::weekly, monday, "Europe/Warsaw") == utc_us(2026, 4, 6, 6));
  // Autumn: the Monday after 25 October is in CET again, 08:00 = 07:00 UTC.
  CHECK(next_digest_due_us(Rhythm::weekly, utc_us(2026, 10, 21, 12), "Europe/Warsaw") ==
        utc_us(2026, 10, 26, 7));
  // Immediate is now; another hour; an unknown zone is UTC; the zone check.
  CHECK(next_digest_due_us(Rhythm::immediate, 12345, "Europe/Warsaw") == 12345);
  CHECK(next_digest_due_us(Rhythm::daily, utc_us(2026, 3, 28, 0), "Europe/Warsaw", 17) ==
        utc_us(2026, 3, 28, 16));
  CHECK(next_digest_due_us(Rhythm::daily, utc_us(2026, 3, 28, 9), "Mars/Olympus") ==
        utc_us(2026, 3, 29, 8));
  CHECK(known_time_zone("Europe/Vilnius"));
  CHECK_FALSE(known_time_zone("Mars/Olympus"));
  CHECK_FALSE(known_time_zone(""));
  CHECK_THROWS_AS(next_digest_due_us(Rhythm::daily, 0, "UTC", 24), std::invalid_argument);
}

TEST_CASE("the rate limiter allows a burst then its rate per key", "[notifier]") {
  RateLimiter limiter(2.0, 3.0);  // 2 a second, 3 at once
  const int64_t t0 = 1'000'000'000;
  for (int i = 0; i < 3; ++i) CHECK(limiter.take("relay", t0));
  CHECK_FALSE(limiter.take("relay", t0));
  CHECK(limiter.wait_us("relay", t0) == 500'000);
  CHECK_FALSE(limiter.take("relay", t0 + 499'999));
  CHECK(limiter.wait_us("relay", t0 + 400'000) == 100'000);
  CHECK(limiter.take("relay", t0 + 500'000));
  CHECK_FALSE(limiter.take("relay", t0 + 500'000));
  // Another key has its own bucket.
  CHECK(limiter.wait_us("inbox", t0) == 0);
  CHECK(limiter.take("inbox", t0));
  // Over ten seconds at most burst + rate x time pass.
  int passed = 0;
  for (int64_t t = t0 + 1'000'000; t < t0 + 11'000'000; t += 10'000) {
    passed += limiter.take("steady", t) ? 1 : 0;
  }
  CHECK(passed >= 3 + 19);
  CHECK(passed <= 3 + 20);
  // A clock that goes back gives nothing back.
  RateLimiter strict(1.0, 1.0);
  CHECK(strict.take("k", t0));
  CHECK_FALSE(strict.take("k", t0 - 5'000'000));
  CHECK(strict.take("k", t0 + 1'000'000));
  CHECK_THROWS_AS(RateLimiter(0.0, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(RateLimiter(1.0, 0.5), std::invalid_argument);
}

TEST_CASE("the rate limiter forgets full buckets so memory stays bounded", "[notifier]") {
  RateLimiter limiter(10.0, 2.0, 100);
  const int64_t t0 = 5'000'000'000;
  for (int i = 0; i < 100; ++i) CHECK(limiter.take("r" + std::to_string(i), t0));
  CHECK(limiter.size() == 100);
  // The table is full of draining buckets: a new key waits until one refills.
  CHECK_FALSE(limiter.take("new", t0));
  CHECK(limiter.wait_us("new", t0) == 100'000);
  // A tenth of a second later every bucket is full again and makes room.
  CHECK(limiter.take("new", t0 + 100'000));
  CHECK(limiter.size() == 1);
  // Ten thousand one-off keys never hold more than the bound.
  for (int i = 0; i < 10'000; ++i) {
    limiter.take("once" + std::to_string(i), t0 + 200'000 + i * 1'000);
    REQUIRE(limiter.size() <= 100);
  }
}

TEST_CASE("back-off stays within half and all of the doubled wait and its cap", "[notifier]") {
  RetryPolicy policy;  // 8 attempts, 2 s, an hour
  for (int attempt = 1; attempt <= 40; ++attempt) {
    int64_t full = std::min<int64_t>(3'600'000, int64_t{2000} << std::min(attempt - 1, 20));
    std::set<int64_t> seen;
    for (uint64_t random = 0; random < 5000; random += 7) {
      auto delay = next_delay_ms(policy, attempt, random * 2654435761ULL);
      INFO(attempt << " " << random);
      REQUIRE(delay >= full / 2);
      REQUIRE(delay <= full);
      seen.insert(delay);
    }
    CHECK(seen.size() > 100);  // jitter: not a handful of values
  }
  CHECK(next_delay_ms(policy, 3, 1024) == 8000);
  CHECK(next_delay_ms(policy, 0, 1024) == 2000);  // attempt below 1 reads as 1
  // Eight failures are not enough before a day has passed since the first: a relay
  // that greylists, or a full mailbox, asks to come back later than a quick
  // back-off's eight tries (outside findings: every message of a relay answering
  // RCPT with 451 became a dead letter within minutes).
  constexpr int64_t day_ms = 86'400'000;
  CHECK_FALSE(exhausted(policy, 7, 2 * day_ms));
  CHECK_FALSE(exhausted(policy, 8, 5 * 60'000));
  CHECK_FALSE(exhausted(policy, 40, day_ms - 1));
  CHECK(exhausted(policy, 8, day_ms));
  RetryPolicy quick = policy;
  quick.give_up_after_ms = 0;
  CHECK_FALSE(exhausted(quick, 7, 0));
  CHECK(exhausted(quick, 8, 0));
}

TEST_CASE("the relay's own failures back off to a minute at most", "[notifier]") {
  RetryPolicy policy;  // 2 s doubling to an hour for one recipient's failures
  for (uint64_t random : {0ULL, 1024ULL, 0xFFFFFFFFULL}) {
    INFO(random);
    CHECK(relay_delay_ms(policy, 1, random) <= 2000);
    CHECK(relay_delay_ms(policy, 1, random) >= 1000);
    CHECK(relay_delay_ms(policy, 5, random) >= 16'000);
    CHECK(relay_delay_ms(policy, 100, random) <= kRelayRetryCapMs);
    CHECK(relay_delay_ms(policy, 100, random) >= kRelayRetryCapMs / 2);
  }
  // A shorter cap of the node's own is kept.
  RetryPolicy quick{3, 100, 300, 0};
  CHECK(relay_delay_ms(quick, 10, 1024) == 300);
}

TEST_CASE("a digest lists distinct alerts newest first up to its limit", "[notifier]") {
  std::vector<PendingAlert> alerts;
  for (int i = 0; i < 60; ++i) {
    alerts.push_back({"match_found", "Partner " + std::to_string(i), "text", 1000 + i, ""});
  }
  alerts.push_back({"match_found", "Partner 7", "text", 5, ""});  // the same alert, older
  alerts.push_back({"profile_expiring", "Coatings", "in 7 days", 2000, ""});
  auto model = digest_model(alerts);
  CHECK(model["count"] == 61);
  REQUIRE(model["items"].size() == 50);
  CHECK(model["items"][0]["subject"] == "Coatings");
  CHECK(model["items"][0]["atUs"] == 2000);
  CHECK(model["items"][1]["subject"] == "Partner 59");
  CHECK(model["items"][49]["subject"] == "Partner 11");
  CHECK(model["more"] == 11);
  auto small = digest_model({{"match_found", "A", "a", 1, ""}, {"match_found", "B", "b", 2, ""}});
  CHECK(small["count"] == 2);
  CHECK(small["items"][0]["subject"] == "B");
  CHECK(small["items"][0]["text"] == "b");
  CHECK_FALSE(digest_model({{"k", "s", "", 1, ""}})["items"][0].contains("text"));
  CHECK_FALSE(small.contains("more"));
  auto empty = digest_model({});
  CHECK(empty["count"] == 0);
  CHECK(empty["items"].empty());
}

TEST_CASE("a digest keeps two matches apart whose partners share a title", "[notifier]") {
  // Outside findings: two matches with partner profiles of the same title were one
  // line, "1 notification".
  auto model = digest_model({{"match_found", "Partner found", "Weld inspection", 1, "match:m1:p"},
                             {"match_found", "Partner found", "Weld inspection", 2, "match:m2:p"},
                             {"match_found", "Partner found", "Weld inspection", 3, "match:m2:p"}});
  CHECK(model["count"] == 2);
  REQUIRE(model["items"].size() == 2);
  CHECK(model["items"][0]["atUs"] == 3);  // the newest of m2
  CHECK(model["items"][1]["atUs"] == 1);
  // Their lines differ too: each names the partner's public profile.
  nlohmann::json one = {{"partner", {{"title", "Weld inspection"}, {"profileId", "FI-PRF-000007"}}},
                        {"profile", {{"title", "Our request"}}}};
  nlohmann::json two = one;
  two["partner"]["profileId"] = "DE-PRF-000031";
  CHECK(digest_line(one) == "Weld inspection (FI-PRF-000007)");
  CHECK(digest_line(one) != digest_line(two));
  CHECK(digest_line({{"profile", {{"title", "Our offer"}}}}) == "Our offer");
  CHECK(digest_line({{"partner", {{"title", 3}}}, {"profile", {{"title", "Ours"}}}}) == "Ours");
  CHECK(digest_line(nlohmann::json::object()).empty());
}

TEST_CASE("expiry reminders fall at 08:00 local the given days before the last day", "[notifier]") {
  // 30 days before 2026-04-27 is 2026-03-28 (EET, UTC+2): 08:00 local = 06:00 UTC;
  // 29 days before is 2026-03-29, the change's day (EEST, UTC+3): 05:00 UTC.
  CHECK(local_day_us("2026-04-27", -30, 8, "Europe/Helsinki") == utc_us(2026, 3, 28, 6));
  CHECK(local_day_us("2026-04-27", -29, 8, "Europe/Helsinki") == utc_us(2026, 3, 29, 5));
  // Across a year and a month end; the end of a last day is the next day's 00:00.
  CHECK(local_day_us("2027-01-05", -7, 8, "Europe/Warsaw") == utc_us(2026, 12, 29, 7));
  CHECK(local_day_us("2026-12-31", 1, 0, "Europe/Warsaw") == utc_us(2026, 12, 31, 23));
  // An unknown zone is UTC; a date that is not YYYY-MM-DD is refused.
  CHECK(local_day_us("2026-06-01", 0, 8, "Mars/Olympus") == utc_us(2026, 6, 1, 8));
  for (const char* bad : {"2026-6-01", "2026-13-01", "2026-06-32", "20260601", "", "2026-06-0x"}) {
    CHECK_THROWS_AS(local_day_us(bad, 0, 8, "UTC"), std::invalid_argument);
  }
}
