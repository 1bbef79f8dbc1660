// Standard Webhooks signatures (services/notifier/domain/webhook.hpp): the published
// known answer, so that a partner portal's stock library verifies what we send, then
// what a receiver must refuse.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

#include "services/notifier/domain/webhook.hpp"

using namespace gosmart::notifier;

namespace {

// The known answer of the Standard Webhooks reference libraries, test_sign_function
// in libraries/python/tests/test_webhooks.py of github.com/standard-webhooks/
// standard-webhooks (the same vector is in its JavaScript, Go, PHP and Ruby tests).
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr const char* kBody = R"({"test": 2432232314})";
constexpr const char* kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

}  // namespace

TEST_CASE("webhook signatures reproduce the Standard Webhooks known answer", "[notifier]") {
  CHECK(webhook_signature(kSecret, kMsgId, kTimestamp, kBody) == kSignature);
  // The libraries take the secret with or without its prefix.
  CHECK(webhook_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kMsgId, kTimestamp, kBody) ==
        kSignature);
  CHECK(webhook_verify(kSecret, kMsgId, kTimestamp, kBody, kSignature, kTimestamp));
  // Any one part changed changes the signature.
  CHECK(webhook_signature(kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", kTimestamp, kBody) !=
        kSignature);
  CHECK(webhook_signature(kSecret, kMsgId, kTimestamp + 1, kBody) != kSignature);
  CHECK(webhook_signature(kSecret, kMsgId, kTimestamp, R"({"test": 2432232315})") != kSignature);
  CHECK_THROWS_AS(webhook_signature("whsec_", kMsgId, kTimestamp, kBody), std::invalid_argument);
  CHECK_THROWS_AS(webhook_signature("whsec_not base64!", kMsgId, kTimestamp, kBody),
                  std::invalid_argument);
}

TEST_CASE("a webhook receiver refuses tampering and stale or future timestamps", "[notifier]") {
  auto verify = [](std::string_view header, int64_t now, std::string_view body = kBody,
                   std::string_view id = kMsgId, int64_t timestamp = kTimestamp) {
    return webhook_verify(kSecret, id, timestamp, body, header, now);
  };
  // The wrong last byte: the Python library's test_invalid_signature_raises_error.
  CHECK_FALSE(verify("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", kTimestamp));
  CHECK_FALSE(verify(kSignature, kTimestamp, R"({"test": 2432232315})"));
  CHECK_FALSE(verify(kSignature, kTimestamp, kBody, "msg_other"));
  CHECK_FALSE(verify(kSignature, kTimestamp + 1, kBody, kMsgId, kTimestamp + 1));
  CHECK_FALSE(
      webhook_verify(new_webhook_secret(), kMsgId, kTimestamp, kBody, kSignature, kTimestamp));
  // Each character of the signature flipped.
  std::string signature = kSignature;
  for (std::size_t i = 0; i < signature.size(); ++i) {
    auto tampered = signature;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    INFO(tampered);
    CHECK_FALSE(verify(tampered, kTimestamp));
  }
  // Five minutes either way, not one second more.
  CHECK(verify(kSignature, kTimestamp + 300));
  CHECK(verify(kSignature, kTimestamp - 300));
  CHECK_FALSE(verify(kSignature, kTimestamp + 301));
  CHECK_FALSE(verify(kSignature, kTimestamp - 301));
  CHECK(webhook_verify(kSecret, kMsgId, kTimestamp, kBody, kSignature, kTimestamp + 3600, 3600));
  CHECK_FALSE(webhook_verify(kSecret, kMsgId, kTimestamp, kBody, kSignature, INT64_MIN));
  CHECK_FALSE(webhook_verify(kSecret, kMsgId, INT64_MAX, kBody, kSignature, kTimestamp));
  // Several signatures (a key being rotated): one valid v1 is enough; other versions
  // and malformed entries are passed over (the library's test_multi_sig_payload_is_valid).
  std::string several = std::string("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= ") +
                        "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,!!! " + kSignature +
                        " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
  CHECK(verify(several, kTimestamp));
  // The right MAC under another version label is not a v1 signature.
  CHECK_FALSE(verify("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", kTimestamp));
  for (const char* garbage : {"", " ", "v1,", "v1", ",", "v1,====", "g0hM9SsE+OTPJTGt"}) {
    CHECK_FALSE(verify(garbage, kTimestamp));
  }
  CHECK_FALSE(webhook_verify("", kMsgId, kTimestamp, kBody, kSignature, kTimestamp));
  CHECK_FALSE(webhook_verify("whsec_%%%", kMsgId, kTimestamp, kBody, kSignature, kTimestamp));
}

TEST_CASE("new webhook secrets are whsec_ and 32 random bytes that sign and verify", "[notifier]") {
  std::set<std::string> secrets;
  for (int i = 0; i < 50; ++i) {
    auto secret = new_webhook_secret();
    REQUIRE(secret.rfind("whsec_", 0) == 0);
    CHECK(secret.size() == 6 + 44);  // base64 of 32 bytes, padded
    CHECK(secret.back() == '=');
    secrets.insert(secret);
    auto signature = webhook_signature(secret, "msg_1", 1'700'000'000, "{}");
    CHECK(webhook_verify(secret, "msg_1", 1'700'000'000, "{}", signature, 1'700'000'010));
  }
  CHECK(secrets.size() == 50);
}
