#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "common/envelope/envelope.hpp"
#include "schemas/platform.capnp.h"

using namespace gosmart;

namespace {

std::span<const uint8_t> view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string sample(uint64_t seq = 7) {
  EnvelopeBuilder builder("PL", wire::Service::REGISTRY, "platform.heartbeat", seq);
  auto beat = builder.init_payload<wire::Heartbeat>();
  beat.setIntervalMs(500);
  auto heads = beat.initHeads(1);
  heads[0].setOrigin("PL");
  heads[0].setLastSeq(seq);
  return builder.encode();
}

}  // namespace

TEST_CASE("an envelope round-trips with its header and payload", "[envelope]") {
  auto bytes = sample(42);
  auto decoded = decode_envelope(view(bytes));
  REQUIRE(decoded.ok());
  const auto& header = decoded.value().header();
  CHECK(header.origin_country == "PL");
  CHECK(header.origin_service == wire::Service::REGISTRY);
  CHECK(header.origin_seq == 42);
  CHECK(header.type == "platform.heartbeat");
  CHECK(header.timestamp_us > 0);
  CHECK_FALSE(header.correlation_id.has_value());
  auto beat = decoded.value().payload<wire::Heartbeat>();
  CHECK(beat.getIntervalMs() == 500);
  CHECK(beat.getHeads()[0].getLastSeq() == 42);
}

TEST_CASE("message ids are random", "[envelope]") {
  auto a = decode_envelope(view(sample())).value().header().message_id;
  auto b = decode_envelope(view(sample())).value().header().message_id;
  CHECK(a != b);
}

TEST_CASE("an unaligned frame is copied and parsed", "[envelope]") {
  auto bytes = sample();
  std::vector<uint8_t> buffer(bytes.size() + 1);
  std::memcpy(buffer.data() + 1, bytes.data(), bytes.size());
  auto decoded = decode_envelope({buffer.data() + 1, bytes.size()});
  REQUIRE(decoded.ok());
  CHECK(decoded.value().header().origin_seq == 7);
}

TEST_CASE("hostile frames are typed errors, never crashes", "[envelope]") {
  auto bytes = sample();
  SECTION("empty") {
    auto r = decode_envelope({});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::MALFORMED);
  }
  SECTION("oversized") {
    EnvelopeLimits limits;
    limits.max_bytes = bytes.size() - 8;
    auto r = decode_envelope(view(bytes), limits);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::TOO_LARGE);
  }
  SECTION("truncated") {
    for (std::size_t cut = 8; cut < bytes.size(); cut += 8) {
      auto r = decode_envelope(view(bytes.substr(0, cut)));
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::MALFORMED);
    }
    CHECK_FALSE(decode_envelope(view(bytes.substr(0, bytes.size() - 3))).ok());
  }
  SECTION("trailing bytes") {
    auto r = decode_envelope(view(bytes + std::string(8, '\0')));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("trailing") != std::string::npos);
  }
  // A refusal is a typed error that says what was wrong; a frame that happens to
  // parse must still be safe to read through guarded().
  // A flipped header field is named (invalid_field with its path).
  auto typed_refusal = [](const Failure& e) {
    bool named_field = e.code == ErrorCode::INVALID_FIELD && !e.field.empty();
    return (e.code == ErrorCode::MALFORMED || e.code == ErrorCode::TOO_LARGE || named_field) &&
           !e.message.empty();
  };
  auto guarded_read_is_typed = [](const DecodedEnvelope& envelope) {
    auto touched = guarded([&]() -> Status {
      for (auto h : envelope.payload<wire::Heartbeat>().getHeads()) (void)h.getOrigin();
      return {};
    });
    return touched.ok() || touched.error().code == ErrorCode::MALFORMED;
  };
  SECTION("random bytes") {
    std::mt19937_64 rng(1234);
    int refused = 0, untyped = 0, unsafe = 0;
    for (int i = 0; i < 2000; ++i) {
      std::string junk((rng() % 64 + 1) * 8, '\0');
      for (auto& c : junk) c = static_cast<char>(rng());
      auto r = decode_envelope(view(junk));
      if (!r.ok()) {
        ++refused;
        if (!typed_refusal(r.error())) ++untyped;
      } else if (!guarded_read_is_typed(r.value())) {
        ++unsafe;
      }
    }
    CHECK(untyped == 0);
    CHECK(unsafe == 0);
    // Random words almost never make a consistent segment table and header.
    CHECK(refused >= 1990);
  }
  SECTION("bit flips of a valid frame") {
    int untyped = 0, unsafe = 0, table_flips_accepted = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      auto flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
      auto r = decode_envelope(view(flipped));
      if (!r.ok()) {
        if (!typed_refusal(r.error())) {
          ++untyped;
          UNSCOPED_INFO("flip at " << i << ": " << describe(r.error()));
        }
      } else {
        if (i < 8) ++table_flips_accepted;  // segment count and size: must not pass
        if (!guarded_read_is_typed(r.value())) ++unsafe;
      }
    }
    CHECK(untyped == 0);
    CHECK(unsafe == 0);
    CHECK(table_flips_accepted == 0);
  }
}

TEST_CASE("header fields are validated", "[envelope]") {
  SECTION("country") {
    EnvelopeBuilder builder("pl", wire::Service::REGISTRY, "x.y");
    auto r = decode_envelope(view(builder.encode()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "originCountry");
  }
  SECTION("type") {
    EnvelopeBuilder builder("PL", wire::Service::REGISTRY, "Bad Type!");
    auto r = decode_envelope(view(builder.encode()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "type");
  }
  SECTION("message id") {
    EnvelopeBuilder builder("PL", wire::Service::REGISTRY, "x.y");
    builder.root().setMessageId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>("abc"), 3));
    auto r = decode_envelope(view(builder.encode()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().field == "messageId");
  }
}

TEST_CASE("a deeply nested payload hits the reader limits", "[envelope]") {
  // A List(Data) whose pointer claims far more words than the frame holds is
  // refused by the traversal limit when read, not by a crash.
  EnvelopeBuilder builder("PL", wire::Service::REGISTRY, "platform.catchup.page");
  auto page = builder.init_payload<wire::CatchupPage>();
  auto events = page.initEvents(2000);
  for (unsigned i = 0; i < events.size(); ++i) events.set(i, capnp::Data::Reader());
  auto bytes = builder.encode();
  EnvelopeLimits limits;
  limits.traversal_factor = 1;
  auto r = decode_envelope(view(bytes), limits);
  REQUIRE(r.ok());
  auto read = guarded([&]() -> Status {
    [[maybe_unused]] uint64_t total = 0;
    for (int pass = 0; pass < 8; ++pass) {
      for (auto e : r.value().payload<wire::CatchupPage>().getEvents()) total += e.size();
    }
    return {};
  });
  CHECK_FALSE(read.ok());
  CHECK(read.error().code == ErrorCode::MALFORMED);
}

TEST_CASE("error replies carry code, field and correlation", "[envelope]") {
  MessageId request = random_message_id();
  auto bytes = encode_error_reply("FI", wire::Service::REGISTRY, &request,
                                  fail(ErrorCode::INVALID_FIELD, "too long", "title"));
  auto r = decode_envelope(view(bytes));
  REQUIRE(r.ok());
  CHECK(r.value().header().type == "error");
  CHECK(r.value().header().correlation_id == request);
  auto error = r.value().payload<wire::Error>();
  CHECK(error.getCode() == ErrorCode::INVALID_FIELD);
  CHECK(std::string(error.getField()) == "title");
  CHECK(describe(fail(ErrorCode::INVALID_FIELD, "too long", "title")) ==
        "invalid_field: title: too long");
}

TEST_CASE("an error code has one name, for scripts and for people", "[envelope]") {
  CHECK(std::string(error_code_name(ErrorCode::NOT_AUTHORISED)) == "not_authorised");
  CHECK(error_code_words(ErrorCode::NOT_AUTHORISED) == "not authorised");
  CHECK(error_code_words(ErrorCode::INVALID_FIELD) == "invalid field");
  CHECK(error_code_words(ErrorCode::CONFLICT) == "conflict");
  CHECK(error_code_words(ErrorCode::UNKNOWN) == "unknown");
}
