// The registries' outbox between real processes: an expression of interest waits
// for a peer that is down, and a peer takes a repeated delivery as a repeat.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/eoi_helpers.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::eoi_events;
using testing::eoi_status;
using testing::Federation;

TEST_CASE("an expression of interest sent while the peer is down arrives after it returns",
          "[system][outbox]") {
  Federation f({"PL", "FI"});
  auto parties = testing::publish_for_eoi(f);
  f.processes.at("PL")->kill_hard();
  std::string id = testing::send_eoi(f, parties);
  std::this_thread::sleep_for(3s);  // more than one resend period, with nobody there
  CHECK(eoi_status(f, "FI", id) == "submitted");

  // FI restarts meanwhile: what its sockets had queued is gone, the outbox is not.
  f.processes.at("FI")->signal(SIGTERM);
  REQUIRE(f.processes.at("FI")->wait(10s) == 0);
  f.start("FI");
  f.await("FI");
  CHECK(eoi_status(f, "FI", id) == "submitted");

  f.start("PL");
  f.await("PL");
  CHECK(testing::eventually([&] { return eoi_status(f, "FI", id) == "forwarded"; }, 20s));
  CHECK(eoi_status(f, "PL", id) == "forwarded");
  CHECK(eoi_events(f, "PL", "registry.eoi.received", id) == 1);
  CHECK(eoi_events(f, "FI", "registry.eoi.changed", id) == 2);  // submitted, forwarded
}

TEST_CASE("a delivery sent twice yields one expression of interest and one event",
          "[system][outbox]") {
  Federation f({"PL", "FI"});
  auto parties = testing::publish_for_eoi(f);
  const std::string id = "FI-EOI-000777";
  auto deliver = [&] {
    EnvelopeBuilder request("FI", wire::Service::REGISTRY, "registry.eoi.deliver");
    auto eoi = request.init_payload<wire::EoiPeerMessage>().initEoi();
    eoi.setId(id);
    eoi.setProfileId(parties.profile_id);
    eoi.setOwnerCountry("PL");
    eoi.setSenderCountry("FI");
    eoi.setSenderOrgId(parties.sender_id);
    eoi.setMessage("We build thermal cameras and would license your coating.");
    eoi.setConsentToShare(true);
    eoi.setStatus(wire::EoiStatus::SUBMITTED);
    return request.encode();
  };
  auto forwarded_ack = [&](const std::string& bytes) {
    auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    return d && d.value().header().type == "registry.eoi.ack" &&
           d.value().payload<wire::EoiAck>().getStatus() == wire::EoiStatus::FORWARDED &&
           std::string(d.value().payload<wire::EoiAck>().getEoiId()) == id;
  };
  // Only FI's registry may deliver FI's expressions: the test speaks with FI's key.
  testing::ApiClient as_fi(f.nodes.at("FI").keys.keys);
  const auto& pl_api = f.nodes.at("PL").registry.api;
  // The same bytes twice at once (a resend; likely one batch, so the second must see
  // the first while it is only staged), then a fresh request for the same EoI.
  auto first = deliver();
  auto replies = as_fi.pipeline(pl_api, f.key("PL"), {first, first}, 2, 5s);
  REQUIRE(replies.size() == 2);
  CHECK(forwarded_ack(replies[0]));
  CHECK(forwarded_ack(replies[1]));
  auto again = as_fi.exchange(pl_api, f.key("PL"), {deliver()}, 5s);
  REQUIRE(again.size() == 1);
  CHECK(forwarded_ack(again[0]));

  CHECK(eoi_status(f, "PL", id) == "forwarded");
  std::size_t about_it = 0;
  for (const auto& event : testing::own_events(f, "PL")) {
    if (event.eoi_id == id) ++about_it;
  }
  CHECK(about_it == 1);
  CHECK(eoi_events(f, "PL", "registry.eoi.received", id) == 1);
}
