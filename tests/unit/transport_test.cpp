#include <catch2/catch.hpp>
#include <set>

#include "common/core/curve.hpp"
#include "common/replication/subscriber.hpp"
#include "common/transport/liveness.hpp"
#include "common/transport/zap.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

TEST_CASE("curve keys are Z85 and checked", "[transport]") {
  auto keys = curve::generate_keypair();
  CHECK(curve::is_z85_key(keys.public_key));
  CHECK(curve::is_z85_key(keys.secret_key));
  CHECK_FALSE(curve::is_z85_key("too short"));
  CHECK_FALSE(curve::is_z85_key(std::string(40, '"')));
  auto raw = curve::decode_key(keys.public_key);
  REQUIRE(raw.has_value());
  CHECK(curve::encode_key(raw->data()) == keys.public_key);
}

TEST_CASE("identities round-trip through the ZAP User-Id", "[transport]") {
  transport::Identity id{"FI", config::Role::peer};
  CHECK(id.user_id() == "peer:FI");
  auto back = transport::Identity::from_user_id("broker:alice");
  REQUIRE(back.has_value());
  CHECK(back->name == "alice");
  CHECK(back->role == config::Role::broker);
  CHECK_FALSE(transport::Identity::from_user_id("nobody").has_value());
  CHECK_FALSE(transport::Identity::from_user_id("admin:x").has_value());
  CHECK_FALSE(transport::Identity::from_user_id("broker:").has_value());
}

TEST_CASE("the allowlist finds exactly the keys it holds", "[transport]") {
  auto alice = curve::generate_keypair();
  auto stranger = curve::generate_keypair();
  transport::Allowlist list;
  list.allow(alice.public_key, {"alice", config::Role::monitor});
  auto found = list.find(curve::decode_key(alice.public_key)->data());
  REQUIRE(found.has_value());
  CHECK(found->role == config::Role::monitor);
  CHECK_FALSE(list.find(curve::decode_key(stranger.public_key)->data()).has_value());
  CHECK_THROWS(list.allow("not a key", {"x", config::Role::broker}));
}

TEST_CASE("peer liveness goes alive, evasive, expired", "[transport]") {
  transport::PeerLiveness peer(3000ms, 10000ms);
  auto t0 = transport::Clock::now();
  CHECK(peer.state(t0) == transport::PeerState::unknown);
  peer.heard(t0);
  CHECK(peer.state(t0 + 2999ms) == transport::PeerState::alive);
  CHECK(peer.state(t0 + 3000ms) == transport::PeerState::evasive);
  CHECK(peer.state(t0 + 10000ms) == transport::PeerState::expired);
  peer.heard(t0 + 11000ms);
  CHECK(peer.state(t0 + 11001ms) == transport::PeerState::alive);
  CHECK(std::string(transport::peer_state_name(transport::PeerState::evasive)) == "evasive");
}

TEST_CASE("back-off doubles up to its ceiling, with jitter below it", "[transport]") {
  // The product's own: a subscriber's catch-up back-off (200 ms doubling to 5 s).
  replication::SubscriberOptions options;
  transport::Backoff backoff(options.min_retry_gap, options.max_retry_gap);
  CHECK(backoff.ceiling() == 200ms);
  std::set<int64_t> waits;
  for (int i = 0; i < 20; ++i) {
    auto ceiling = backoff.ceiling();
    auto wait = backoff.next();
    CHECK(wait <= ceiling);
    CHECK(wait >= 0ms);
    CHECK(backoff.ceiling() == std::min<transport::Millis>(ceiling * 2, 5000ms));
    waits.insert(wait.count());
  }
  CHECK(backoff.ceiling() == 5000ms);
  CHECK(waits.size() > 10);  // jittered, not one fixed wait
  backoff.reset();
  CHECK(backoff.ceiling() == 200ms);
}
