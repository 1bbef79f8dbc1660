// A peer's answer to a delivered expression of interest settles it only when it is
// an ack naming that EoI (services/registry/peer_outbox.hpp).
#include <catch2/catch.hpp>

#include "schemas/platform.capnp.h"
#include "services/registry/peer_outbox.hpp"

using namespace gosmart;

namespace {

DecodedEnvelope decoded(const std::string& bytes) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE(d.ok());
  return std::move(d).value();
}

DecodedEnvelope delivery(const std::string& type, const std::string& id) {
  EnvelopeBuilder request("PL", wire::Service::REGISTRY, type);
  request.init_payload<wire::EoiPeerMessage>().initEoi().setId(id);
  return decoded(request.encode());
}

DecodedEnvelope ack(const std::string& id) {
  EnvelopeBuilder reply("FI", wire::Service::REGISTRY, "registry.eoi.ack");
  auto out = reply.init_payload<wire::EoiAck>();
  out.setEoiId(id);
  out.setStatus(wire::EoiStatus::FORWARDED);
  return decoded(reply.encode());
}

}  // namespace

TEST_CASE("an ack settles the expression of interest it names, and no other", "[registry]") {
  for (const char* type : {"registry.eoi.deliver", "registry.eoi.update"}) {
    INFO(type);
    auto sent = delivery(type, "PL-EOI-000007");
    CHECK_FALSE(registry::eoi_ack_mismatch(sent, ack("PL-EOI-000007")).has_value());
    auto other = registry::eoi_ack_mismatch(sent, ack("PL-EOI-000008"));
    REQUIRE(other.has_value());
    CHECK(other->find("another expression of interest (PL-EOI-000008)") != std::string::npos);
  }
  // A reply of another type is no ack.
  EnvelopeBuilder health("FI", wire::Service::REGISTRY, "platform.health.reply");
  health.init_payload<wire::HealthReply>();
  auto not_ack = registry::eoi_ack_mismatch(delivery("registry.eoi.deliver", "PL-EOI-000007"),
                                            decoded(health.encode()));
  REQUIRE(not_ack.has_value());
  CHECK(not_ack->find("not an ack") != std::string::npos);
  // Requests that are not about an EoI are not judged here.
  EnvelopeBuilder other("PL", wire::Service::REGISTRY, "registry.org.get");
  other.init_payload<wire::OrgGet>().setId("PL-000001");
  CHECK_FALSE(registry::eoi_ack_mismatch(decoded(other.encode()), ack("PL-EOI-000008")));
}
