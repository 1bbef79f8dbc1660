// A write's reply is kept in the batch of its effect: a registry killed (SIGKILL)
// right after answering gives the client that retries after the restart the same
// reply, and no second organisation.
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
