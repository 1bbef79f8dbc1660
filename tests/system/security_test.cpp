// A live probe writer is attacked as an outsider would: keys not on its
// allowlist, plaintext, junk, truncated and oversized envelopes. It must refuse
// each and keep serving the clients it knows.
#include <catch2/catch.hpp>

#include <thread>

#include "common/service/api_client.hpp"
#include "schemas/platform.capnp.h"
#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

struct LiveWriter {
  testing::TempDir dir;
  testing::TestClient operator_ = testing::make_client("ops", config::Role::broker);
  testing::TestNode node = testing::make_node(dir.path(), "PL");
  std::unique_ptr<testing::Process> process;

  LiveWriter() {
    testing::write_config(node, {}, {operator_}, "[limits]\nmax_message_bytes = 65536\n");
    process = std::make_unique<testing::Process>(
        std::vector<std::string>{testing::binary("gosmart-replication-probe").string(), "writer",
                                 "--config", node.config_file.string(), "--events", "10"},
        dir.path() / "writer.log");
    testing::ApiClient client(operator_.keys);
    REQUIRE(testing::eventually(
        [&] {
          return client.health(node.registry.api, node.keys.keys.public_key, 500ms).has_value();
        },
        10s));
  }

  bool still_serving() {
    testing::ApiClient client(operator_.keys);
    return client.health(node.registry.api, node.keys.keys.public_key, 2s).has_value() &&
           process->running();
  }

  wire::ErrorCode error_code_of(const std::vector<std::string>& reply) {
    REQUIRE(reply.size() == 1);
    auto decoded =
        decode_envelope({reinterpret_cast<const uint8_t*>(reply[0].data()), reply[0].size()});
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value().header().type == "error");
    return decoded.value().payload<wire::Error>().getCode();
  }
};

// The frames a SUB socket with `keys` receives from `endpoint` (subscribed to
// everything) within `wait`: heartbeats at least, if the publisher admits it.
std::size_t frames_heard(const curve::CurveKeyPair& keys, const std::string& endpoint,
                         const std::string& server_key, std::chrono::milliseconds wait) {
  transport::Transport transport(keys, transport::Allowlist());
  auto sub = transport.connect(zmq::socket_type::sub, endpoint, server_key,
                               [](zmq::socket_t& s) { s.set(zmq::sockopt::subscribe, ""); });
  std::size_t frames = 0;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (auto now = std::chrono::steady_clock::now(); now < deadline;
       now = std::chrono::steady_clock::now()) {
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
    zmq::message_t frame;
    while (sub.recv(frame, zmq::recv_flags::dontwait)) ++frames;
  }
  return frames;
}

}  // namespace

TEST_CASE("a key not on the allowlist gets nothing", "[system][security]") {
  LiveWriter w;
  testing::ApiClient stranger(curve::generate_keypair());
  CHECK_FALSE(stranger.health(w.node.registry.api, w.node.keys.keys.public_key, 1500ms));
  // Nor does the stranger get events or catch-up pages.
  CHECK(stranger
            .exchange(w.node.registry.sync, w.node.keys.keys.public_key,
                      {service::health_request("PL", wire::Service::CTL)}, 1000ms)
            .empty());
  CHECK(w.still_serving());
  CHECK(w.process->log().find("refused CURVE client") != std::string::npos);
}

TEST_CASE("a plaintext client gets nothing", "[system][security]") {
  LiveWriter w;
  zmq::context_t context;
  zmq::socket_t plain(context, zmq::socket_type::dealer);
  plain.set(zmq::sockopt::linger, 0);
  plain.connect(w.node.registry.api);
  plain.send(zmq::buffer(service::health_request("PL", wire::Service::CTL)), zmq::send_flags::none);
  zmq::pollitem_t item{plain.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, 1500ms);
  CHECK_FALSE(item.revents & ZMQ_POLLIN);
  CHECK(w.still_serving());
  CHECK(testing::eventually(
      [&] { return w.process->log().find("handshake failed on api") != std::string::npos; }, 3s));
  // It keeps trying (libzmq reconnects every 100 ms), and others like it: every
  // failure is one more handshake, but the log gets one line per socket per 10 s.
  for (int i = 0; i < 5; ++i) {
    zmq::socket_t again(context, zmq::socket_type::dealer);
    again.set(zmq::sockopt::linger, 0);
    again.connect(w.node.registry.api);
    again.send(zmq::buffer(service::health_request("PL", wire::Service::CTL)),
               zmq::send_flags::none);
    std::this_thread::sleep_for(300ms);
  }
  std::string log = w.process->log();
  std::size_t lines = 0;
  for (auto at = log.find("handshake failed on api"); at != std::string::npos;
       at = log.find("handshake failed on api", at + 1)) {
    ++lines;
  }
  CHECK(lines == 1);
  CHECK(w.still_serving());
}

TEST_CASE("junk, truncated and oversized envelopes are refused and the service goes on",
          "[system][security]") {
  LiveWriter w;
  testing::ApiClient client(w.operator_.keys);
  const auto& api = w.node.registry.api;
  const auto& key = w.node.keys.keys.public_key;

  SECTION("random bytes") {
    std::string junk(256, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 37 + 11);
    CHECK(w.error_code_of(client.exchange(api, key, {junk}, 2s)) == wire::ErrorCode::MALFORMED);
  }
  SECTION("truncated envelope") {
    auto request = service::health_request("PL", wire::Service::CTL);
    auto reply = client.exchange(api, key, {request.substr(0, request.size() - 8)}, 2s);
    CHECK(w.error_code_of(reply) == wire::ErrorCode::MALFORMED);
  }
  SECTION("empty frame") {
    CHECK(w.error_code_of(client.exchange(api, key, {std::string()}, 2s)) ==
          wire::ErrorCode::MALFORMED);
  }
  SECTION("two frames") {
    auto request = service::health_request("PL", wire::Service::CTL);
    CHECK(w.error_code_of(client.exchange(api, key, {request, request}, 2s)) ==
          wire::ErrorCode::MALFORMED);
  }
  SECTION("unknown request type") {
    EnvelopeBuilder builder("PL", wire::Service::CTL, "registry.delete.everything");
    CHECK(w.error_code_of(client.exchange(api, key, {builder.encode()}, 2s)) ==
          wire::ErrorCode::UNKNOWN_TYPE);
  }
  SECTION("over the limit but not twice it: answered too_large, and logged") {
    std::string large(100 * 1024, 'x');
    CHECK(w.error_code_of(client.exchange(api, key, {large}, 2s)) == wire::ErrorCode::TOO_LARGE);
    CHECK(testing::eventually(
        [&] { return w.process->log().find("bytes from broker:ops refused") != std::string::npos; },
        2s));
  }
  SECTION("oversized: the connection is dropped before the service reads it") {
    std::string huge(200 * 1024, 'x');
    CHECK(client.exchange(api, key, {huge}, 1500ms).empty());
  }
  SECTION("over the limit on the sync socket: answered too_large and logged") {
    // Outside finding N3 (issue 11): answered, but neither counted nor logged (a
    // service host counts it in platform.requests_too_large; this writer is a probe).
    std::string large(100 * 1024, 'x');
    auto reply = client.exchange(w.node.registry.sync, key, {large}, 2s);
    CHECK(w.error_code_of(reply) == wire::ErrorCode::TOO_LARGE);
    CHECK(testing::eventually(
        [&] { return w.process->log().find("sync: a request of") != std::string::npos; }, 2s));
  }
  SECTION("junk on the sync socket") {
    auto reply = client.exchange(w.node.registry.sync, key, {std::string(24, '\x01')}, 2s);
    CHECK(w.error_code_of(reply) == wire::ErrorCode::MALFORMED);
  }
  CHECK(w.still_serving());
}

TEST_CASE("a registry and a matching service give a stranger nothing on any socket",
          "[system][security]") {
  testing::Federation f({"PL"}, /*with_matching=*/true);
  const auto& node = f.nodes.at("PL");
  const auto& key = f.key("PL");
  auto stranger = curve::generate_keypair();
  testing::ApiClient outsider(stranger);
  auto health = service::health_request("PL", wire::Service::CTL);

  // The control: a client on the allowlist is answered and hears the event stream.
  testing::ApiClient broker(f.broker.keys);
  REQUIRE(broker.health(node.registry.api, key, 2s));
  REQUIRE(broker.health(node.matching.api, key, 2s));
  CHECK(frames_heard(f.broker.keys, node.registry.events, key, 3s) > 0);

  CHECK_FALSE(outsider.health(node.registry.api, key, 1500ms));
  CHECK_FALSE(outsider.health(node.matching.api, key, 1500ms));
  CHECK(outsider.exchange(node.registry.sync, key, {health}, 1000ms).empty());
  CHECK(outsider.exchange(node.matching.sync, key, {health}, 1000ms).empty());
  // A subscriber: a stranger's key, or a known key that takes the server for
  // another (a wrong server key), hears not even a heartbeat.
  CHECK(frames_heard(stranger, node.registry.events, key, 3s) == 0);
  CHECK(frames_heard(stranger, node.matching.events, key, 1500ms) == 0);
  CHECK(frames_heard(f.broker.keys, node.registry.events, curve::generate_keypair().public_key,
                     1500ms) == 0);

  CHECK(f.processes.at("PL")->log().find("refused CURVE client") != std::string::npos);
  CHECK(f.matchers.at("PL")->log().find("refused CURVE client") != std::string::npos);
  // Both still serve the clients they know.
  CHECK(broker.health(node.registry.api, key, 2s));
  CHECK(broker.health(node.matching.api, key, 2s));
}
