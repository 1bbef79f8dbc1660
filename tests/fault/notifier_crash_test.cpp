// The notifier killed twice while it delivers 2,000 messages: every message reaches
// the SMTP server, and a message seen twice is the same message (same Message-ID,
// made from its idempotency key), at most the send concurrency of them per kill.
#include <catch2/catch.hpp>
#include <csignal>
#include <map>

#include "tests/support/mail.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;

namespace {

// `orgs` organisations of PL with one contact each, `profiles_each` profiles each
// published: one transactional message per publication is due. Submitted, then
// published, in two pipelines (a request each would take minutes).
std::size_t publish_due(Federation& f, int orgs, int profiles_each) {
  std::vector<std::string> owners;
  for (int o = 0; o < orgs; ++o) {
    auto reply = f.call<wire::OrgWrite>("PL", f.broker, "registry.org.register", [&](auto w) {
      auto org = w.initOrganisation();
      fill_org(org);
      org.getContacts()[0].setEmail("contact" + std::to_string(o) + "@sme.example.pl");
    });
    REQUIRE(reply.header().type == "registry.org.reply");
    owners.push_back(reply.payload<wire::OrgReply>().getOrganisation().getId());
  }
  ApiClient client(f.broker.keys);
  const auto& pl = f.nodes.at("PL");
  std::vector<std::string> submits;
  for (const auto& owner : owners) {
    for (int p = 0; p < profiles_each; ++p) {
      EnvelopeBuilder request("PL", wire::Service::CTL, "registry.profile.submit");
      auto w = request.init_payload<wire::ProfileWrite>();
      fill_profile(w.initProfile(), owner);
      w.getProfile().setTitle("Coatings for thermal cameras, batch " + std::to_string(p));
      submits.push_back(request.encode());
    }
  }
  auto submitted = client.pipeline(pl.registry.api, f.key("PL"), submits, 64, 60s);
  REQUIRE(submitted.size() == submits.size());
  std::vector<std::string> publishes;
  for (const auto& bytes : submitted) {
    auto reply =
        decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
    REQUIRE(reply.ok());
    REQUIRE(reply.value().header().type == "registry.profile.reply");
    EnvelopeBuilder request("PL", wire::Service::CTL, "registry.profile.transition");
    auto t = request.init_payload<wire::ProfileTransition>();
    t.setProfileId(reply.value().payload<wire::ProfileReply>().getProfile().getId());
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
    publishes.push_back(request.encode());
  }
  auto published = client.pipeline(pl.registry.api, f.key("PL"), publishes, 64, 60s);
  REQUIRE(published.size() == publishes.size());
  return static_cast<std::size_t>(orgs) * profiles_each;
}

std::string notifier_toml(const SmtpServer& smtp, int concurrency) {
  return "[notifier]\nsmtp_url = \"smtp://127.0.0.1:" + std::to_string(smtp.port()) +
         "\"\nfrom = \"gosmart@pl.example\"\nconcurrency = " + std::to_string(concurrency) +
         "\ntemplates = \"" + GOSMART_TEST_SUPPORT_DIR + "/../../services/notifier/templates\"\n";
}

// Message-ID -> how many times the server received it.
std::map<std::string, int> received(const SmtpServer& smtp) {
  std::map<std::string, int> by_id;
  for (const auto& mail : mails_to(smtp, "")) ++by_id[mail.header("Message-ID")];
  return by_id;
}

// What the server received once `total` distinct messages are in (or the timeout).
std::map<std::string, int> await_received(const SmtpServer& smtp, std::size_t total,
                                          std::chrono::seconds timeout) {
  std::map<std::string, int> by_id;
  REQUIRE(eventually(
      [&] {
        by_id = received(smtp);
        return by_id.size() >= total;
      },
      timeout));
  return by_id;
}

}  // namespace

TEST_CASE(
    "a notifier killed twice during delivery sends every message and repeats at most its "
    "concurrency per kill",
    "[fault][notifier]") {
  constexpr int kOrgs = 40;
  constexpr int kProfilesEach = 50;  // 2,000 messages: one per publication
  constexpr int kConcurrency = 2;
  Federation f({"PL", "FI"}, false, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");

  const std::size_t total = publish_due(f, kOrgs, kProfilesEach);
  std::string toml = notifier_toml(smtp, kConcurrency);
  f.start_notifier("PL", toml);

  auto seen = [&] { return mails_to(smtp, "").size(); };
  REQUIRE(eventually([&] { return seen() >= 200; }, 60s));
  f.notifiers.at("PL")->kill_hard();
  f.start_notifier("PL", toml);
  REQUIRE(eventually([&] { return seen() >= 1000; }, 60s));
  f.notifiers.at("PL")->kill_hard();
  f.start_notifier("PL", toml);

  auto by_id = await_received(smtp, total, 120s);
  std::size_t mails = 0;
  for (const auto& [id, count] : by_id) {
    CHECK_FALSE(id.empty());
    mails += count;
  }
  CHECK(by_id.size() == total);
  INFO("messages " << mails << " for " << total << " notifications");
  CHECK(mails - total <= 2 * kConcurrency);
}

TEST_CASE("a notifier killed right after the relay took a message does not send it again",
          "[fault][notifier]") {
  // A lane marks each message the relay took before it starts the next
  // (outbox::Courier::window): the crash point fires right after the first mark, in
  // the lane's thread, before the service loop has heard of the send. Restarted,
  // the notifier settles that message from its mark and sends every other once.
  Federation f({"PL", "FI"}, false, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  const std::size_t total = publish_due(f, 3, 4);
  std::string toml = notifier_toml(smtp, 1);  // one lane: the one message on the wire
  f.start_notifier("PL", toml, {"GOSMART_CRASH_AT=notifier.after_send_mark"}, false);
  REQUIRE(eventually([&] { return !f.notifiers.at("PL")->running(); }, 60s));
  CHECK(f.notifiers.at("PL")->log().find("crash point notifier.after_send_mark reached") !=
        std::string::npos);
  REQUIRE(received(smtp).size() == 1);

  f.start_notifier("PL", toml);
  auto by_id = await_received(smtp, total, 60s);
  CHECK(by_id.size() == total);
  for (const auto& [id, count] : by_id) {
    INFO(id);
    CHECK(count == 1);
  }
}
