// The registry answers a write only once it is durable, with its commits pipelined
// (the fsync of one batch runs while the next is staged). SIGKILL in the middle of
// a bulk import: every registration that was answered must be there afterwards.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

std::string receipt_registration(int n) {
  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.register");
  auto write = request.init_payload<wire::OrgWrite>();
  write.setReceiptOnly(true);
  auto org = write.initOrganisation();
  testing::fill_org(org);
  org.setLegalName("Imported organisation " + std::to_string(n));
  return request.encode();
}

std::string get_request(const std::string& id) {
  EnvelopeBuilder request("PL", wire::Service::CTL, "registry.org.get");
  request.init_payload<wire::OrgGet>().setId(id);
  return request.encode();
}

std::optional<DecodedEnvelope> decode(const std::string& bytes) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  if (!d) return std::nullopt;
  return std::move(d).value();
}

}  // namespace

TEST_CASE("every registration answered before a SIGKILL is stored after the restart",
          "[fault][acks]") {
  testing::Federation f({"PL"});
  const int total = 20000;
  std::vector<std::string> requests;
  for (int i = 0; i < total; ++i) requests.push_back(receipt_registration(i));

  testing::ApiClient client(f.broker.keys);
  std::atomic<bool> under_way{false};
  std::vector<std::string> replies;
  std::thread importer([&] {
    replies = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), requests, 2048, 6s,
                              [&](std::size_t answered) {
                                if (answered >= 1000) under_way = true;
                              });
  });
  bool killed_mid_import = testing::eventually([&] { return under_way.load(); }, 30s);
  f.processes.at("PL")->kill_hard();
  importer.join();
  REQUIRE(killed_mid_import);

  std::vector<std::string> acknowledged;
  for (const auto& reply : replies) {
    auto d = decode(reply);
    REQUIRE(d.has_value());
    REQUIRE(d->header().type == "registry.org.reply");
    acknowledged.push_back(d->payload<wire::OrgReply>().getReceipt().getId());
  }
  INFO(acknowledged.size() << " of " << total << " answered before the kill");
  REQUIRE(acknowledged.size() >= 1000);
  REQUIRE(acknowledged.size() < static_cast<std::size_t>(total));  // the kill cut it short

  f.start("PL");
  std::vector<std::string> gets;
  for (const auto& id : acknowledged) gets.push_back(get_request(id));
  auto found = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), gets, 1024, 60s);
  REQUIRE(found.size() == acknowledged.size());
  std::size_t stored = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    auto d = decode(found[i]);
    if (d && d->header().type == "registry.org.reply" &&
        std::string(d->payload<wire::OrgReply>().getOrganisation().getId()) == acknowledged[i]) {
      ++stored;
    }
  }
  CHECK(stored == acknowledged.size());
  // Numbering goes on after the last durable registration, never reusing an id.
  auto next = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"),
                              {receipt_registration(total)}, 1, 10s);
  REQUIRE(next.size() == 1);
  auto d = decode(next[0]);
  REQUIRE(d.has_value());
  std::string fresh = d->payload<wire::OrgReply>().getReceipt().getId();
  CHECK(std::find(acknowledged.begin(), acknowledged.end(), fresh) == acknowledged.end());
}
