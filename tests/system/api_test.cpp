// The api socket in one process over tcp+CURVE: roles come from the ZAP User-Id
// of the caller's key, never from anything the caller writes.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <poll.h>

#include "common/service/api_server.hpp"
#include "common/store/test_env.hpp"
#include "tests/support/fault_file_system.hpp"
#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"
#include "tests/support/staged_writes.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

TEST_CASE("each role may call only what it is allowed", "[system][api]") {
  auto server_keys = curve::generate_keypair();
  auto broker = testing::make_client("alice", config::Role::broker);
  auto monitor = testing::make_client("watcher", config::Role::monitor);
  transport::Allowlist allow;
  allow.allow(broker.keys.public_key, {broker.name, broker.role});
  allow.allow(monitor.keys.public_key, {monitor.name, monitor.role});
  transport::Transport server_transport(server_keys, allow);
  std::string endpoint = testing::tcp_endpoint(testing::free_port());

  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  std::string seen_caller;
  std::thread server_thread([&] {
    auto router = server_transport.bind(zmq::socket_type::router, endpoint);
    service::ServiceInfo info{"test", "0", "PL", wire::Service::REGISTRY};
    service::ApiServer server(router, info, {});
    server.handle("test.publish", {config::Role::broker},
                  [&](const service::Request& request) -> Result<std::string> {
                    seen_caller = request.caller.user_id();
                    return service::make_reply(info, request, "test.published").encode();
                  });
    ready = true;
    while (!stop) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 20ms);
      if (item.revents & ZMQ_POLLIN) server.on_readable();
    }
  });
  while (!ready) std::this_thread::sleep_for(5ms);

  auto call = [&](const testing::TestClient& who, const std::string& type) {
    testing::ApiClient client(who.keys);
    EnvelopeBuilder request("PL", wire::Service::CTL, type);
    auto reply = client.exchange(endpoint, server_keys.public_key, {request.encode()}, 3s);
    REQUIRE(reply.size() == 1);
    auto decoded =
        decode_envelope({reinterpret_cast<const uint8_t*>(reply[0].data()), reply[0].size()});
    REQUIRE(decoded.ok());
    REQUIRE(decoded.value().header().correlation_id.has_value());
    return std::move(decoded).value();
  };

  auto refused = call(monitor, "test.publish");
  CHECK(refused.header().type == "error");
  CHECK(refused.payload<wire::Error>().getCode() == wire::ErrorCode::NOT_AUTHORISED);
  CHECK(seen_caller.empty());

  auto allowed = call(broker, "test.publish");
  CHECK(allowed.header().type == "test.published");
  CHECK(seen_caller == "broker:alice");

  auto health = call(monitor, "platform.health.request");
  CHECK(health.header().type == "platform.health.reply");
  CHECK(std::string(health.payload<wire::HealthReply>().getService()) == "test");

  stop = true;
  server_thread.join();
}

TEST_CASE("no server socket is made without a running ZAP handler", "[system][api]") {
  zmq::context_t context;
  // Another handler already holds the ZAP endpoint in this context: ours cannot bind.
  zmq::socket_t squatter(context, zmq::socket_type::rep);
  squatter.bind("inproc://zeromq.zap.01");
  CHECK_THROWS(transport::ZapAuthenticator(context, transport::Allowlist()));
}

TEST_CASE("a transport whose ZAP handler stopped binds no server socket", "[system][api]") {
  transport::Transport transport(curve::generate_keypair(), transport::Allowlist());
  auto endpoint_on = [](int port) { return "tcp://127.0.0.1:" + std::to_string(port); };
  std::string endpoint = endpoint_on(transport::free_loopback_port());
  // Running, it binds (another port: a closed socket lets its port go asynchronously).
  CHECK_NOTHROW(
      transport.bind(zmq::socket_type::router, endpoint_on(transport::free_loopback_port())));
  transport.zap().stop();
  REQUIRE_FALSE(transport.zap().running());
  CHECK_THROWS_AS(transport.bind(zmq::socket_type::router, endpoint), std::logic_error);
  // Nothing listens there: a plain socket of our own can take the port.
  zmq::context_t context;
  zmq::socket_t probe(context, zmq::socket_type::router);
  probe.set(zmq::sockopt::linger, 0);
  CHECK_NOTHROW(probe.bind(endpoint));
}

TEST_CASE("an in-process caller gets the least role: health and nothing else", "[system][api]") {
  // inproc connections carry no ZAP User-Id; the api server must neither throw on
  // that nor treat the caller as a broker.
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("inproc://api-in-process");
  zmq::socket_t caller(context, zmq::socket_type::dealer);
  caller.set(zmq::sockopt::rcvtimeo, 3000);
  caller.connect("inproc://api-in-process");

  service::ServiceInfo info{"test", "0", "PL", wire::Service::REGISTRY};
  service::ApiServer server(router, info, {});
  std::string seen_caller;
  server.handle("test.publish", {config::Role::broker},
                [&](const service::Request& request) -> Result<std::string> {
                  seen_caller = request.caller.user_id();
                  return service::make_reply(info, request, "test.published").encode();
                });
  server.handle("test.ping", service::all_roles(),
                [&](const service::Request& request) -> Result<std::string> {
                  seen_caller = request.caller.user_id();
                  return service::make_reply(info, request, "test.pong").encode();
                });

  auto call = [&](const std::string& type) {
    std::string request = EnvelopeBuilder("PL", wire::Service::REGISTRY, type).encode();
    caller.send(zmq::buffer(request), zmq::send_flags::none);
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 3s);
    REQUIRE((item.revents & ZMQ_POLLIN));
    server.on_readable();
    zmq::message_t reply;
    REQUIRE(caller.recv(reply));
    auto decoded = decode_envelope({reply.data<uint8_t>(), reply.size()});
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  };

  auto refused = call("test.publish");
  CHECK(refused.header().type == "error");
  CHECK(refused.payload<wire::Error>().getCode() == wire::ErrorCode::NOT_AUTHORISED);
  CHECK(std::string(refused.payload<wire::Error>().getMessage()) ==
        "role service may not call test.publish");
  CHECK(seen_caller.empty());

  auto ping = call("test.ping");
  CHECK(ping.header().type == "test.pong");
  CHECK(seen_caller == "service:inproc");

  auto health = call("platform.health.request");
  CHECK(health.header().type == "platform.health.reply");
  CHECK(std::string(health.payload<wire::HealthReply>().getService()) == "test");
}

TEST_CASE("an error reply for a failed commit answers the request it replaces", "[system][api]") {
  // The outbox matches replies by correlation id: an `unavailable` without one was
  // ignored, and the write waited for its resend (issue 11).
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.bind("inproc://api-failed-commit");
  zmq::socket_t caller(context, zmq::socket_type::dealer);
  caller.set(zmq::sockopt::rcvtimeo, 3000);
  caller.connect("inproc://api-failed-commit");
  service::ServiceInfo info{"test", "0", "PL", wire::Service::REGISTRY};
  service::ApiServer server(router, info, {});
  // The disk fails under the service's commit pipeline (the one commit path).
  testing::TempDir dir;
  auto faults = std::make_shared<testing::FaultFileSystem>();
  store::TestEnv seam(faults->env());
  auto db = store::Store::open(dir.path() / "db", {"data"});
  testing::StagedWrites staged(*db);
  service::CommitPipeline pipeline(*db, staged);
  server.set_pipeline(&pipeline);
  faults->fail_syncs(true);
  server.handle("test.ping", service::all_roles(),
                [&](const service::Request& request) -> Result<std::string> {
                  staged.write("ping");
                  return service::make_reply(info, request, "test.pong").encode();
                });

  std::string request = EnvelopeBuilder("PL", wire::Service::REGISTRY, "test.ping").encode();
  auto sent = decode_envelope({reinterpret_cast<const uint8_t*>(request.data()), request.size()});
  REQUIRE(sent.ok());
  caller.send(zmq::buffer(request), zmq::send_flags::none);
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, 3s);
  REQUIRE((item.revents & ZMQ_POLLIN));
  server.on_readable();
  pollfd landed{pipeline.notify_fd(), POLLIN, 0};
  REQUIRE(::poll(&landed, 1, 3000) == 1);
  pipeline.on_landed();
  CHECK(staged.lost_batches == 1);
  zmq::message_t reply;
  REQUIRE(caller.recv(reply));
  auto decoded = decode_envelope({reply.data<uint8_t>(), reply.size()});
  REQUIRE(decoded.ok());
  CHECK(decoded.value().header().type == "error");
  CHECK(decoded.value().payload<wire::Error>().getCode() == wire::ErrorCode::UNAVAILABLE);
  REQUIRE(decoded.value().header().correlation_id.has_value());
  CHECK(*decoded.value().header().correlation_id == sent.value().header().message_id);
}

TEST_CASE("a request over max_message_bytes is answered too_large and counted", "[system][api]") {
  auto server_keys = curve::generate_keypair();
  auto broker = testing::make_client("alice", config::Role::broker);
  transport::Allowlist allow;
  allow.allow(broker.keys.public_key, {broker.name, broker.role});
  transport::SocketLimits limits;
  limits.max_message_bytes = 4096;
  transport::Transport server_transport(server_keys, allow, limits);
  std::string endpoint = testing::tcp_endpoint(testing::free_port());

  std::atomic<bool> stop{false};
  std::atomic<bool> ready{false};
  std::atomic<uint64_t> too_large{0};
  std::thread server_thread([&] {
    auto router = server_transport.bind(zmq::socket_type::router, endpoint);
    service::ServiceInfo info{"test", "0", "PL", wire::Service::REGISTRY};
    EnvelopeLimits envelope_limits;
    envelope_limits.max_bytes = limits.max_message_bytes;
    service::ApiServer server(router, info, envelope_limits);
    server.handle("test.ping", service::all_roles(),
                  [&](const service::Request& request) -> Result<std::string> {
                    return service::make_reply(info, request, "test.pong").encode();
                  });
    ready = true;
    while (!stop) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 20ms);
      if (item.revents & ZMQ_POLLIN) server.on_readable();
      too_large = server.too_large();
    }
  });
  while (!ready) std::this_thread::sleep_for(5ms);

  // Before the fix libzmq dropped the frame with the connection: no answer, no log.
  std::string oversized(6000, '\0');
  testing::ApiClient client(broker.keys);
  auto reply = client.exchange(endpoint, server_keys.public_key, {oversized}, 3s);
  REQUIRE(reply.size() == 1);
  auto decoded =
      decode_envelope({reinterpret_cast<const uint8_t*>(reply[0].data()), reply[0].size()});
  REQUIRE(decoded.ok());
  CHECK(decoded.value().header().type == "error");
  CHECK(decoded.value().payload<wire::Error>().getCode() == wire::ErrorCode::TOO_LARGE);
  CHECK(testing::eventually([&] { return too_large == 1; }, 2s));
  // The connection stays usable for a request within the limit.
  std::string ping = EnvelopeBuilder("PL", wire::Service::CTL, "test.ping").encode();
  CHECK(client.exchange(endpoint, server_keys.public_key, {ping}, 3s).size() == 1);

  stop = true;
  server_thread.join();
}
