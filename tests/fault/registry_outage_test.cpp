// One registry of three is killed with SIGKILL while the other two take 10,000
// changes; restarted, it catches up and all three hold the same public state.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

std::string encode_register(const std::string& country, int n) {
  EnvelopeBuilder request(country, wire::Service::CTL, "registry.org.register");
  auto org = request.init_payload<wire::OrgWrite>().initOrganisation();
  testing::fill_org(org);
  org.setCountry(country);
  org.setRegion(country + (country == "FI" ? "1B" : "63"));
  org.setLegalName("Organisation " + std::to_string(n));
  org.setHeadcount(static_cast<uint32_t>(n % 400));
  return request.encode();
}

struct Digest {
  std::string hex;
  uint64_t organisations = 0;
  uint64_t profiles = 0;
};

std::optional<Digest> digest_of(testing::Federation& f, const std::string& country) {
  auto raw = f.call_raw<wire::StateDigestRequest>(country, f.watcher, "registry.state.digest",
                                                  [](auto) {});
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
  if (!d || d.value().header().type != "registry.state.digest.reply") return std::nullopt;
  auto s = d.value().payload<wire::StateDigest>();
  return Digest{s.getDigest(), s.getOrganisations(), s.getPublishedProfiles()};
}

}  // namespace

TEST_CASE("a registry killed during 10,000 changes converges when it returns",
          "[fault][registry]") {
  testing::Federation f({"PL", "FI", "DK"});
  f.processes.at("DK")->kill_hard();

  testing::ApiClient client(f.broker.keys);
  std::size_t per_country = 5000;
  for (const std::string country : {"PL", "FI"}) {
    std::vector<std::string> requests;
    for (std::size_t i = 0; i < per_country; ++i) {
      requests.push_back(encode_register(country, static_cast<int>(i)));
    }
    auto replies =
        client.pipeline(f.nodes.at(country).registry.api, f.key(country), requests, 64, 120s);
    REQUIRE(replies.size() == per_country);
    std::size_t ok = 0;
    for (const auto& reply : replies) {
      auto d = decode_envelope({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
      if (d && d.value().header().type == "registry.org.reply") ++ok;
    }
    CHECK(ok == per_country);
  }
  // And a few published profiles, so the profile path is covered as well.
  for (int i = 1; i <= 20; ++i) {
    auto submitted =
        f.call<wire::ProfileWrite>("PL", f.broker, "registry.profile.submit", [&](auto w) {
          testing::fill_profile(w.initProfile(), "PL-00000" + std::to_string(i % 9 + 1));
          w.getProfile().setTitle("Offer " + std::to_string(i));
        });
    REQUIRE(submitted.header().type == "registry.profile.reply");
    std::string id = submitted.payload<wire::ProfileReply>().getProfile().getId();
    auto published =
        f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
          t.setProfileId(id);
          t.setAction(wire::ProfileTransition::Action::PUBLISH);
        });
    REQUIRE(published.header().type == "registry.profile.reply");
  }

  REQUIRE(testing::eventually(
      [&] {
        auto pl = digest_of(f, "PL");
        auto fi = digest_of(f, "FI");
        return pl && fi && pl->hex == fi->hex;
      },
      30s));
  f.start("DK");
  auto started = std::chrono::steady_clock::now();
  std::optional<Digest> pl, fi, dk;
  bool converged = testing::eventually(
      [&] {
        pl = digest_of(f, "PL");
        fi = digest_of(f, "FI");
        dk = digest_of(f, "DK");
        return pl && fi && dk && pl->hex == dk->hex && fi->hex == dk->hex;
      },
      60s);
  INFO("DK converged in " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count()
                          << " ms");
  REQUIRE(converged);
  CHECK(dk->organisations == 2 * per_country);
  CHECK(dk->profiles == 20);
}
