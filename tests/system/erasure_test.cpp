// Erasure leaves no byte behind: distinct high-entropy markers planted in a named
// organisation's personal fields must be gone from every file under every node's
// data directory and logs within 60 s — WAL, SST, MANIFEST, event logs (home and
// relayed copies), service logs — while they were there before (the positive
// control: the search is able to find them).
#include <sodium.h>

#include <catch2/catch.hpp>

#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;

namespace {

std::string marker() {
  uint8_t bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  std::string out = "Mk";
  for (auto b : bytes) {
    out.push_back("abcdefghijklmnopqrstuvwxyz234567"[b & 31]);
    out.push_back("abcdefghijklmnopqrstuvwxyz234567"[b >> 3]);
  }
  return out;
}

// Phone numbers are digits: twelve random ones.
std::string digit_marker() {
  std::string out;
  for (int i = 0; i < 12; ++i) out.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  return out;
}

}  // namespace

TEST_CASE("an erased organisation leaves no byte of its personal data in any file",
          "[system][erasure]") {
  REQUIRE(sodium_init() >= 0);
  Federation f({"PL", "FI", "DK"}, true);
  std::map<std::string, std::string> markers = {
      {"legal name", marker()},       {"contact name", marker()}, {"e-mail", marker()},
      {"phone", digit_marker()},      {"comment", marker()},      {"title", marker()},
      {"registry id", digit_marker()}};
  auto registered = f.call<wire::OrgWrite>("PL", f.portal, "registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setLegalName("Optika " + markers["legal name"] + " sp. z o.o.");
    auto contact = org.getContacts()[0];
    contact.setName("Anna " + markers["contact name"]);
    contact.setEmail(markers["e-mail"] + "@optika.example.pl");
    contact.setPhone("+48 " + markers["phone"]);
    // A sole trader's registry id is personal data too; as an index key it also
    // reaches RocksDB's MANIFEST, which compaction does not rewrite (wave 3, M3).
    org.setRegistryId(markers["registry id"]);
  });
  REQUIRE(registered.header().type == "registry.org.reply");
  std::string org_id = registered.payload<wire::OrgReply>().getOrganisation().getId();
  auto submitted =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit", [&](auto w) {
        fill_profile(w.initProfile(), org_id);
        w.getProfile().setTitle("Anti-reflective coatings " + markers["title"]);
        w.getProfile().setNamed(true);  // the legal name travels with the profile
      });
  REQUIRE(submitted.header().type == "registry.profile.reply");
  std::string profile_id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  // Sent back for revision with a comment, submitted again, then published.
  auto revise =
      f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::REQUEST_REVISION);
        t.setComment("Please check with " + markers["comment"]);
      });
  REQUIRE(revise.header().type == "registry.profile.reply");
  auto resubmit =
      f.call<wire::ProfileWrite>("PL", f.portal, "registry.profile.submit", [&](auto w) {
        fill_profile(w.initProfile(), org_id);
        w.getProfile().setTitle("Anti-reflective coatings " + markers["title"]);
        w.getProfile().setId(profile_id);
        w.getProfile().setNamed(true);
      });
  REQUIRE(resubmit.header().type == "registry.profile.reply");
  auto published =
      f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile_id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  REQUIRE(published.header().type == "registry.profile.reply");
  auto replicated = [&](const char* peer) {
    auto d = f.call<wire::ProfileGet>(peer, f.broker, "registry.profile.get",
                                      [&](auto g) { g.setId(profile_id); });
    return d.header().type == "registry.profile.reply";
  };
  REQUIRE(eventually([&] { return replicated("FI") && replicated("DK"); }, 15s));

  // Positive control: the search finds what is there. The contact stays home; the
  // name, chosen to be public, is on the peers too.
  const auto root = f.dir.path();
  CHECK_FALSE(files_holding(f.nodes.at("PL").dir, markers["contact name"]).empty());
  CHECK_FALSE(files_holding(f.nodes.at("PL").dir, markers["comment"]).empty());
  CHECK_FALSE(files_holding(f.nodes.at("PL").dir, markers["registry id"]).empty());
  CHECK_FALSE(files_holding(f.nodes.at("FI").dir, markers["legal name"]).empty());
  CHECK(files_holding(f.nodes.at("FI").dir, markers["contact name"]).empty());

  // An FI organisation expresses interest and PL accepts: PL's contact now sits in
  // FI's copy of the EoI (found from outside: erasure left it there, and served it).
  auto sender = f.call<wire::OrgWrite>("FI", f.portal, "registry.org.register", [](auto w) {
    auto org = w.initOrganisation();
    fill_org(org);
    org.setCountry("FI");
    org.setRegion("FI1B");
    org.setLegalName("Lumo Imaging Oy");
  });
  REQUIRE(sender.header().type == "registry.org.reply");
  // Its request matches PL's offer: both matching services keep the match, with
  // the offer's title (found from outside: erasure left it there, D19).
  auto request = f.call<wire::ProfileWrite>("FI", f.portal, "registry.profile.submit", [&](auto w) {
    fill_profile(w.initProfile(), sender.payload<wire::OrgReply>().getOrganisation().getId());
    w.getProfile().setKind(wire::ProfileKind::TECHNOLOGY_REQUEST);
    w.getProfile().setTitle("Wanted: anti-reflective coatings for thermal cameras");
    w.getProfile().initTargetCountries(1).set(0, "PL");
  });
  REQUIRE(request.header().type == "registry.profile.reply");
  auto request_published =
      f.call<wire::ProfileTransition>("FI", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(request.payload<wire::ProfileReply>().getProfile().getId());
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  REQUIRE(request_published.header().type == "registry.profile.reply");
  ApiClient matching_watcher(f.watcher.keys);
  auto announced = [&](const char* country) {
    auto h = matching_watcher.health(f.nodes.at(country).matching.api, f.key(country), 1s);
    return h ? h->metric("matching.matches_announced") : -1.0;
  };
  REQUIRE(eventually([&] { return announced("PL") >= 1 && announced("FI") >= 1; }, 15s));
  CHECK_FALSE(files_holding(f.nodes.at("FI").dir / "data" / "matching", markers["title"]).empty());
  auto sent = f.call<wire::EoiSend>("FI", f.portal, "registry.eoi.send", [&](auto e) {
    e.setProfileId(profile_id);
    e.setSenderOrgId(sender.payload<wire::OrgReply>().getOrganisation().getId());
    e.setMessage("We build thermal cameras and would license your coating.");
    e.setConsentToShare(true);
  });
  REQUIRE(sent.header().type == "registry.eoi.reply");
  std::string eoi_id = sent.payload<wire::EoiReply>().getEoi().getId();
  auto owner_email_at = [&](const char* country) {
    auto d = f.call<wire::EoiGet>(country, f.broker, "registry.eoi.get",
                                  [&](auto g) { g.setId(eoi_id); });
    if (d.header().type != "registry.eoi.reply") return std::string("(none)");
    return std::string(d.payload<wire::EoiReply>().getEoi().getOwnerContact().getEmail());
  };
  REQUIRE(eventually([&] { return owner_email_at("PL") != "(none)"; }, 10s));
  auto accepted = f.call<wire::EoiAnswer>("PL", f.portal, "registry.eoi.answer", [&](auto a) {
    a.setEoiId(eoi_id);
    a.setAccept(true);
  });
  REQUIRE(accepted.header().type == "registry.eoi.reply");
  REQUIRE(eventually([&] { return owner_email_at("FI").find(markers["e-mail"]) == 0; }, 10s));
  CHECK_FALSE(files_holding(f.nodes.at("FI").dir, markers["e-mail"]).empty());
  // FI's portal takes the next step: FI keeps that reply, PL's contact in it, for
  // a retry under the same message id (outside findings, wave 3: kept for a day
  // after the erasure, and served).
  EnvelopeBuilder advance("FI", wire::Service::CTL, "registry.eoi.advance");
  auto step = advance.init_payload<wire::EoiAdvance>();
  step.setEoiId(eoi_id);
  step.setStatus(wire::EoiStatus::CONTACT_STARTED);
  auto advance_bytes = advance.encode();
  ApiClient fi_portal(f.portal.keys);
  auto advance_reply = [&] {
    auto replies =
        fi_portal.exchange(f.nodes.at("FI").registry.api, f.key("FI"), {advance_bytes}, 5s);
    return replies.size() == 1 ? replies[0] : std::string("(no reply)");
  };
  REQUIRE(advance_reply().find(markers["e-mail"]) != std::string::npos);

  auto erased = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [&](auto e) {
    e.setId(org_id);
    e.setReason("GDPR art. 17 request");
  });
  REQUIRE(erased.header().type == "registry.org.erased.reply");
  REQUIRE(eventually([&] { return !replicated("FI") && !replicated("DK"); }, 15s));
  // Neither side serves the erased organisation's contact any more.
  CHECK(eventually([&] { return owner_email_at("FI").empty(); }, 10s));
  CHECK(owner_email_at("PL").empty());
  // The tombstone keeps the id, but is no organisation any more.
  ApiClient watcher(f.watcher.keys);
  auto health = watcher.health(f.nodes.at("PL").registry.api, f.key("PL"));
  REQUIRE(health.has_value());
  CHECK(health->metric("registry.organisations") == 0);

  // Within 60 s no file of any node (data directories and logs) holds a marker.
  std::map<std::string, std::vector<std::string>> left;
  bool clean = eventually(
      [&] {
        left.clear();
        for (const auto& [field, value] : markers) {
          auto files = files_holding(root, value);
          if (!files.empty()) left[field] = files;
        }
        return left.empty();
      },
      60s);
  for (const auto& [field, files] : left) {
    for (const auto& file : files) UNSCOPED_INFO(field << " still in " << file);
  }
  CHECK(clean);
  // The retry is no longer answered with the kept reply.
  CHECK(advance_reply().find(markers["e-mail"]) == std::string::npos);
}
