// A write's reply is kept in the batch of its effect: a registry killed (SIGKILL)
// right after answering gives the client that retries after the restart the same
// reply, and no second organisation. Killed after the batch is durable and before
// the reply leaves (crash point api.after_durable_before_reply), the retry gets the
// kept reply and the write took effect once: one organisation, one event.
// Break: idempotency.forget_replies (tests/run_breaks.sh).
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

TEST_CASE("a retry after a SIGKILL and restart gets the reply given before the kill",
          "[fault][acks]") {
  testing::Federation f({"PL"});
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;

  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.register");
  testing::fill_org(request.init_payload<wire::OrgWrite>().initOrganisation());
  auto bytes = request.encode();
  auto first = client.exchange(api, f.key("PL"), {bytes}, 5s);
  REQUIRE(first.size() == 1);
  f.processes.at("PL")->kill_hard();

  f.start("PL");
  f.await("PL");
  auto retried = client.exchange(api, f.key("PL"), {bytes}, 5s);
  REQUIRE(retried.size() == 1);
  CHECK(retried[0] == first[0]);
  auto health = client.health(api, f.key("PL"));
  REQUIRE(health.has_value());
  CHECK(health->metric("registry.organisations") == 1);
}

TEST_CASE("a retry after a kill between the durable write and its reply gets the kept reply",
          "[fault][acks]") {
  testing::Federation f({"PL"});
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;
  auto& pl = f.processes.at("PL");
  pl->signal(SIGTERM);
  REQUIRE(pl->wait(10s) == 0);
  f.start("PL", {"GOSMART_CRASH_AT=api.after_durable_before_reply"});
  f.await("PL");  // health is a read: it keeps nothing and passes the crash point by

  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.register");
  testing::fill_org(request.init_payload<wire::OrgWrite>().initOrganisation());
  auto bytes = request.encode();
  auto first = client.exchange(api, f.key("PL"), {bytes}, 5s);
  CHECK(first.empty());  // no reply: the registry died first
  REQUIRE(f.processes.at("PL")->wait(15s) == 128 + SIGKILL);
  CHECK(f.processes.at("PL")->log().find("crash point api.after_durable_before_reply reached") !=
        std::string::npos);

  f.start("PL");
  f.await("PL");
  auto retried = client.exchange(api, f.key("PL"), {bytes}, 5s);
  REQUIRE(retried.size() == 1);
  auto reply =
      decode_envelope({reinterpret_cast<const uint8_t*>(retried[0].data()), retried[0].size()});
  REQUIRE(reply.ok());
  REQUIRE(reply.value().header().type == "registry.org.reply");
  CHECK(std::string(reply.value().payload<wire::OrgReply>().getOrganisation().getId()) ==
        "PL-000001");
  auto sent = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE(sent.ok());
  CHECK(reply.value().header().correlation_id == sent.value().header().message_id);
  auto health = client.health(api, f.key("PL"));
  REQUIRE(health.has_value());
  CHECK(health->metric("registry.organisations") == 1);
  CHECK(health->last_seq_written == 1);  // one registry.org.public event
}
