// Personal data checked at the border and on the peers' disks, not at the receiver:
// high-entropy markers planted in every personal field of PL's records are looked
// for in everything PL sends (its PUB stream, captured from the start, and a
// catch-up page as a peer gets it) and in every file of FI's and DK's node
// directories (stores, logs, configs). A receiver that blanks a field itself would
// hide a sender that leaks it; this test does not look at what a receiver shows.
// The positive control: a profile whose owner chose to be named carries its legal
// name across, and the same scan finds it there. Then an expression of interest:
// no contact crosses before the owner accepts; after, PL's contact is at FI (the
// party) and the FI sender's at PL, and at no other peer, nor on the PUB stream.
// Last, PL's owner is erased: its contact leaves FI's files too, within 60 s.
#include <sodium.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <tuple>

#include "common/transport/transport.hpp"
#include "schemas/platform.capnp.h"
#include "tests/support/eoi_helpers.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using testing::Federation;

namespace {

// `length` random letters: a marker no record, key or log line holds by chance.
std::string random_letters(std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i < length; ++i)
    out.push_back(static_cast<char>('a' + randombytes_uniform(26)));
  return out;
}

std::string random_digits(std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i < length; ++i)
    out.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  return out;
}

// Everything published on an events socket from construction to stop().
class StreamCapture {
 public:
  StreamCapture(const curve::CurveKeyPair& keys, const std::string& endpoint,
                const std::string& server_key)
      : transport_(keys, transport::Allowlist()),
        sub_(transport_.connect(zmq::socket_type::sub, endpoint, server_key,
                                [](zmq::socket_t& s) { s.set(zmq::sockopt::subscribe, ""); })),
        thread_([this] { run(); }) {}
  ~StreamCapture() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::string bytes() {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  std::size_t frames() const { return frames_.load(); }

 private:
  void run() {
    while (!stop_) {
      zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 50ms);
      zmq::message_t frame;
      while (sub_.recv(frame, zmq::recv_flags::dontwait)) {
        std::lock_guard lock(mutex_);
        bytes_.append(frame.data<char>(), frame.size());
        ++frames_;
      }
    }
  }

  transport::Transport transport_;
  zmq::socket_t sub_;
  std::mutex mutex_;
  std::string bytes_;
  std::atomic<std::size_t> frames_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The files under `dir` whose bytes hold `marker`, relative to `dir`.
std::vector<std::string> files_holding(const std::filesystem::path& dir,
                                       const std::string& marker) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(marker) != std::string::npos) {
      found.push_back(std::filesystem::relative(entry.path(), dir).string());
    }
  }
  return found;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string type_of(const DecodedEnvelope& reply) {
  if (reply.header().type != "error") return reply.header().type;
  return "error: " + std::string(reply.payload<wire::Error>().getMessage().cStr());
}

}  // namespace

TEST_CASE("no personal field crosses the border or lands on a peer's disk; a chosen name does",
          "[system][canary]") {
  Federation f({"PL", "FI", "DK"});
  StreamCapture stream(f.broker.keys, f.nodes.at("PL").registry.events, f.key("PL"));

  // Markers: one per personal field, random, and letters only where a name is checked.
  std::string hidden_name = "Hidden " + random_letters(20) + " sp. z o.o.";
  std::string named_name = "Named " + random_letters(20) + " Oy";
  std::string contact_name = "Contact " + random_letters(20);
  std::string email = "m" + random_letters(20) + "@example.org";
  std::string phone = "+48 " + random_digits(12);
  std::string comment = "Revise " + random_letters(20);
  // Who acted last: the broker's User-Id. Not random, and FI's own log may name the
  // test's broker (it is FI's client too), so it is looked for on the wire only.
  std::string broker_id = transport::Identity{f.broker.name, f.broker.role}.user_id();

  auto register_org = [&](const std::string& legal_name) {
    auto reply = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register", [&](auto w) {
      auto org = w.initOrganisation();
      testing::fill_org(org);
      org.setLegalName(legal_name);
      auto contact = org.getContacts()[0];
      contact.setName(contact_name);
      contact.setEmail(email);
      contact.setPhone(phone);
    });
    INFO(type_of(reply));
    REQUIRE(reply.header().type == "registry.org.reply");
    return std::string(reply.payload<wire::OrgReply>().getOrganisation().getId());
  };
  auto transition = [&](const std::string& profile_id, wire::ProfileTransition::Action action,
                        const std::string& why) {
    auto reply =
        f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
          t.setProfileId(profile_id);
          t.setAction(action);
          t.setComment(why);
        });
    INFO(type_of(reply));
    REQUIRE(reply.header().type == "registry.profile.reply");
  };
  // Submitted, sent back with a comment, submitted again and published.
  auto publish_profile = [&](const std::string& owner, bool named) {
    std::string id;
    for (int round = 0; round < 2; ++round) {
      auto reply =
          f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit", [&](auto w) {
            auto p = w.initProfile();
            testing::fill_profile(p, owner);
            p.setNamed(named);
            if (!id.empty()) p.setId(id);
          });
      INFO(type_of(reply));
      REQUIRE(reply.header().type == "registry.profile.reply");
      id = reply.payload<wire::ProfileReply>().getProfile().getId();
      if (round == 0) transition(id, wire::ProfileTransition::Action::REQUEST_REVISION, comment);
    }
    transition(id, wire::ProfileTransition::Action::PUBLISH, "");
    return id;
  };

  std::string hidden_org = register_org(hidden_name);
  std::string named_org = register_org(named_name);
  std::string hidden_profile = publish_profile(hidden_org, false);
  std::string named_profile = publish_profile(named_org, true);

  // Both replicated to both peers before anything is scanned.
  for (const char* peer : {"FI", "DK"}) {
    for (const auto& id : {hidden_profile, named_profile}) {
      CHECK(testing::eventually(
          [&] {
            auto raw = f.call_raw<wire::ProfileGet>(peer, f.broker, "registry.profile.get",
                                                    [&](auto g) { g.setId(id); });
            auto d = decode_envelope({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
            return d.ok() && d.value().header().type == "registry.profile.reply";
          },
          15s));
    }
  }
  // A catch-up page of PL's whole log, as a peer asks for it.
  EnvelopeBuilder ask("PL", wire::Service::REGISTRY, "platform.catchup.request");
  auto request = ask.init_payload<wire::CatchupRequest>();
  request.setOrigin("PL");
  request.setAfterSeq(0);
  request.setMaxEvents(1000);
  testing::ApiClient as_fi(f.nodes.at("FI").keys.keys);
  auto page = as_fi.exchange(f.nodes.at("PL").registry.sync, f.key("PL"), {ask.encode()}, 5s);
  REQUIRE(page.size() == 1);
  std::this_thread::sleep_for(500ms);  // the last events' frames, still on their way
  stream.stop();
  std::string wire_bytes = stream.bytes() + page[0];
  REQUIRE(stream.frames() > 0);

  // The positive control: the name chosen to be shown crosses and is found on disk,
  // so the scan reads what the stores hold (nothing compressed hides a marker).
  CHECK(wire_bytes.find(named_name) != std::string::npos);
  for (const char* peer : {"FI", "DK"}) {
    INFO(peer);
    CHECK_FALSE(files_holding(f.nodes.at(peer).dir, named_name).empty());
  }

  // And nothing else crosses: not on the wire, not into any file of a peer's node.
  std::vector<std::pair<std::string, std::string>> markers = {
      {"legal name (not named)", hidden_name},
      {"contact name", contact_name},
      {"e-mail", email},
      {"phone", phone},
      {"revision comment", comment}};
  for (const auto& [field, marker] : markers) {
    INFO(field << ": " << marker);
    CHECK(wire_bytes.find(marker) == std::string::npos);
    for (const char* peer : {"FI", "DK"}) {
      INFO(peer);
      auto holding = files_holding(f.nodes.at(peer).dir, marker);
      INFO("files: " << joined(holding));
      CHECK(holding.empty());
    }
  }
  CHECK(wire_bytes.find(broker_id) == std::string::npos);
  // PL itself holds them: the markers were planted where the test thinks they were.
  for (const auto& marker : {hidden_name, contact_name, email, phone, broker_id}) {
    CHECK_FALSE(files_holding(f.nodes.at("PL").dir, marker).empty());
  }

  // An expression of interest from FI in the hidden profile. Until PL's owner accepts
  // it no contact crosses either way; then PL's contact goes to FI, the one peer
  // concerned, and to no other, and not over the PUB stream.
  StreamCapture later(f.broker.keys, f.nodes.at("PL").registry.events, f.key("PL"));
  std::string fi_email = "f" + random_letters(20) + "@example.fi";
  auto fi_org = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    testing::fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Lumo " + random_letters(12) + " Oy");
    org.getContacts()[0].setEmail(fi_email);
  });
  INFO(type_of(fi_org));
  REQUIRE(fi_org.header().type == "registry.org.reply");
  testing::EoiParties parties{
      hidden_profile, std::string(fi_org.payload<wire::OrgReply>().getOrganisation().getId())};
  std::string eoi_id = testing::send_eoi(f, parties);
  REQUIRE(testing::eventually([&] { return testing::eoi_status(f, "FI", eoi_id) == "forwarded"; },
                              15s));
  CHECK(files_holding(f.nodes.at("FI").dir, email).empty());
  CHECK(files_holding(f.nodes.at("PL").dir, fi_email).empty());

  auto accepted = f.call<wire::EoiAnswer>("PL", f.portal, "registry.eoi.answer", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setAccept(true);
  });
  INFO(type_of(accepted));
  REQUIRE(accepted.header().type == "registry.eoi.reply");
  // The positive control of this half: the contacts did cross, to the two parties.
  CHECK(testing::eventually([&] { return !files_holding(f.nodes.at("FI").dir, email).empty(); },
                            15s));
  CHECK(testing::eventually([&] { return !files_holding(f.nodes.at("PL").dir, fi_email).empty(); },
                            15s));
  std::this_thread::sleep_for(500ms);
  later.stop();
  CHECK(later.frames() > 0);
  for (const auto& marker : {email, phone, contact_name, fi_email}) {
    INFO(marker);
    CHECK(later.bytes().find(marker) == std::string::npos);
    CHECK(files_holding(f.nodes.at("DK").dir, marker).empty());
  }

  // The erasure of PL's owner reaches the peer that was given its contact through
  // the accepted expression of interest: no byte of it stays in FI's files within
  // the 60 s the erasure promises. (The named organisation kept the same contact
  // markers at PL, so at PL the erased one's own legal name is looked for.)
  auto erased = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [&](auto e) {
    e.setId(hidden_org);
    e.setReason("GDPR art. 17 request");
  });
  INFO(type_of(erased));
  REQUIRE(erased.header().type == "registry.org.erased.reply");
  std::vector<std::tuple<std::string, std::string, std::string>> erased_markers = {
      {"FI", "contact name", contact_name},
      {"FI", "e-mail", email},
      {"FI", "phone", phone},
      {"PL", "legal name", hidden_name}};
  for (const auto& [node, field, marker] : erased_markers) {
    INFO(field << " at " << node << ": " << marker);
    const std::filesystem::path dir = f.nodes.at(node).dir;
    const std::string wanted = marker;
    std::vector<std::string> holding;
    CHECK(testing::eventually(
        [&] {
          holding = files_holding(dir, wanted);
          return holding.empty();
        },
        60s));
    INFO("files: " << joined(holding));
    CHECK(holding.empty());
  }
}
