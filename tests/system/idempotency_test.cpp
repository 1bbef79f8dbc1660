// A client that retries a write after a timeout re-sends the same bytes (the same
// message id): it gets the reply it was first given, and the write takes no second
// effect, whether the retry comes after the first reply or before it (pipelined).
// A message id reused for another request (other type or payload) is a conflict.
// A second organisation with an existing national registry id is a conflict.
#include <catch2/catch.hpp>

#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::Federation;
using testing::fill_org;

namespace {

std::string registration(const std::string& legal_name, const std::string& registry_id = "") {
  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.register");
  auto org = request.init_payload<wire::OrgWrite>().initOrganisation();
  fill_org(org);
  org.setLegalName(legal_name);
  org.setRegistryId(registry_id);
  return request.encode();
}

DecodedEnvelope decoded(const std::string& bytes) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE(d.ok());
  return std::move(d).value();
}

std::string org_id(const std::string& reply) {
  auto d = decoded(reply);
  REQUIRE(d.header().type == "registry.org.reply");
  return d.payload<wire::OrgReply>().getOrganisation().getId();
}

double organisations(Federation& f) {
  testing::ApiClient client(f.broker.keys);
  auto health = client.health(f.nodes.at("PL").registry.api, f.key("PL"));
  REQUIRE(health.has_value());
  return health->metric("registry.organisations");
}

}  // namespace

TEST_CASE("the same registration sent three times makes one organisation, answered alike",
          "[system][registry]") {
  Federation f({"PL"});
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;

  // One after another, each on a fresh connection (a client that timed out).
  auto bytes = registration("Retry sp. z o.o.");
  std::vector<std::string> replies;
  for (int i = 0; i < 3; ++i) {
    auto reply = client.exchange(api, f.key("PL"), {bytes}, 5s);
    REQUIRE(reply.size() == 1);
    replies.push_back(reply[0]);
  }
  CHECK(org_id(replies[0]) == "PL-000001");
  CHECK(replies[1] == replies[0]);
  CHECK(replies[2] == replies[0]);
  CHECK(organisations(f) == 1);

  // Pipelined: the copies arrive before the first is durable, in one drain or the next.
  auto again = registration("Pipelined sp. z o.o.");
  auto pipelined = client.pipeline(api, f.key("PL"), {again, again, again}, 3, 5s);
  REQUIRE(pipelined.size() == 3);
  CHECK(org_id(pipelined[0]) == "PL-000002");
  CHECK(pipelined[1] == pipelined[0]);
  CHECK(pipelined[2] == pipelined[0]);
  CHECK(organisations(f) == 2);

  // The same message id from another caller is that caller's own write.
  testing::ApiClient portal(f.portal.keys);
  auto other = portal.exchange(api, f.key("PL"), {bytes}, 5s);
  REQUIRE(other.size() == 1);
  CHECK(org_id(other[0]) == "PL-000003");
  CHECK(organisations(f) == 3);
}

TEST_CASE("a second organisation with a registered national id is a conflict naming the first",
          "[system][registry]") {
  Federation f({"PL"});
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;

  auto first = client.exchange(api, f.key("PL"), {registration("Vat One", "PL5261040828")}, 5s);
  REQUIRE(first.size() == 1);
  REQUIRE(org_id(first[0]) == "PL-000001");
  // The same id written another way, under a new message id.
  auto second = client.exchange(api, f.key("PL"), {registration("Vat Two", "526-104-08-28")}, 5s);
  REQUIRE(second.size() == 1);
  auto refused = decoded(second[0]);
  REQUIRE(refused.header().type == "error");
  CHECK(refused.payload<wire::Error>().getCode() == wire::ErrorCode::CONFLICT);
  CHECK(std::string(refused.payload<wire::Error>().getMessage()).find("PL-000001") !=
        std::string::npos);
  CHECK(std::string(refused.payload<wire::Error>().getField()) == "registryId");
  CHECK(organisations(f) == 1);

  // Another id is another organisation.
  auto third = client.exchange(api, f.key("PL"), {registration("Vat Three", "PL1111111111")}, 5s);
  REQUIRE(third.size() == 1);
  CHECK(org_id(third[0]) == "PL-000002");
}

TEST_CASE("a message id reused for another request is refused, not answered with the kept reply",
          "[system][registry]") {
  Federation f({"PL"});
  testing::ApiClient client(f.broker.keys);
  const auto& api = f.nodes.at("PL").registry.api;

  auto register_bytes = registration("Reused Id sp. z o.o.");
  auto first = client.exchange(api, f.key("PL"), {register_bytes}, 5s);
  REQUIRE(first.size() == 1);
  auto id = org_id(first[0]);
  // The decoded envelope owns the bytes the id reader points at: keep it alive.
  auto register_decoded = decoded(register_bytes);
  auto reused_id = register_decoded.root().getMessageId();

  auto expect_conflict = [&](const std::string& reply) {
    auto refused = decoded(reply);
    REQUIRE(refused.header().type == "error");
    CHECK(refused.payload<wire::Error>().getCode() == wire::ErrorCode::CONFLICT);
    CHECK(std::string(refused.payload<wire::Error>().getMessage()) ==
          "message id reused for another request");
  };
  // Another type: an erasure of the new organisation under the registration's id.
  EnvelopeBuilder erase("PL", wire::Service::CTL, "registry.org.erase");
  erase.root().setMessageId(reused_id);
  auto erase_payload = erase.init_payload<wire::OrgErase>();
  erase_payload.setId(id);
  erase_payload.setReason("asked by the organisation");
  auto erased = client.exchange(api, f.key("PL"), {erase.encode()}, 5s);
  REQUIRE(erased.size() == 1);
  expect_conflict(erased[0]);

  // The same type with other payload bytes.
  EnvelopeBuilder same_type("PL", wire::Service::CTL, "registry.org.register");
  same_type.root().setMessageId(reused_id);
  auto org = same_type.init_payload<wire::OrgWrite>().initOrganisation();
  fill_org(org);
  org.setLegalName("Another Name sp. z o.o.");
  auto renamed = client.exchange(api, f.key("PL"), {same_type.encode()}, 5s);
  REQUIRE(renamed.size() == 1);
  expect_conflict(renamed[0]);

  // Neither took effect, and the real retry is still answered with its reply.
  CHECK(organisations(f) == 1);
  auto retry = client.exchange(api, f.key("PL"), {register_bytes}, 5s);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0] == first[0]);
}
