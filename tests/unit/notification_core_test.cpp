// The notifier's core without sockets: which events become triggers, who of an
// organisation's contacts hears of them, and the store's part (a trigger resolved
// once, rendered per recipient's language, erased with its organisation).
#include <catch2/catch.hpp>

#include "common/reference/text.hpp"
#include "common/store/capnp_value.hpp"
#include "schemas/matching.capnp.h"
#include "schemas/notifier.capnp.h"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/domain/webhook.hpp"
#include "services/notifier/notifier.hpp"
#include "services/notifier/recipients.hpp"
#include "services/notifier/triggers.hpp"
#include "services/notifier/webhook_request.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace gosmart::notifier;
using gosmart::reference::text_of;

namespace {

template <class Payload, class Fill>
DecodedEnvelope event(const std::string& origin, wire::Service service, const std::string& type,
                      uint64_t seq, Fill&& fill) {
  EnvelopeBuilder builder(origin, service, type, seq);
  fill(builder.init_payload<Payload>());
  auto bytes = builder.encode();
  auto decoded =
      decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {});
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

DecodedEnvelope match_found(const std::string& origin, uint64_t seq = 1,
                            const std::string& id = "M-0123456789ab") {
  return event<wire::MatchFoundEvent>(
      origin, wire::Service::MATCHING, "matching.match.found", seq, [&](auto e) {
        auto m = e.initMatch();
        m.setId(id);
        m.setScore(0.734);
        auto a = m.initA();
        a.setProfileId("PL-PRF-000001");
        a.setOwnerId("PL-000001");
        a.setCountry("PL");
        a.setKind(wire::ProfileKind::TECHNOLOGY_REQUEST);
        a.setTitle("Machine vision for weld inspection");
        auto b = m.initB();
        b.setProfileId("FI-PRF-000007");
        b.setOwnerId("FI-000003");
        b.setCountry("FI");
        b.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
        b.setTitle("Optical weld inspection");
        b.setOwnerType(wire::OrgType::SME);
        auto explanation = m.initExplanation();
        explanation.initSharedDomains(1).set(0, "advanced-manufacturing");
        // One term a title writes ("inspection"), one a summary's stem ("cooper").
        auto terms = explanation.initSharedTerms(2);
        terms[0].setTerm("inspect");
        terms[0].setWord("inspection");
        terms[1].setTerm("cooper");
      });
}

void add_contact(wire::Contact::Builder c, const std::string& email, const std::string& language,
                 bool consent, int64_t withdrawn = 0, const std::string& channel = "") {
  c.setName("Someone");
  c.setEmail(email);
  c.setPreferredLanguage(language);
  c.setAlertChannel(channel);
  if (consent) {
    auto k = c.initConsents(1)[0];
    k.setPurpose("notifications");
    k.setTextVersion("v1");
    k.setChannel("email");
    k.setGrantedAtUs(1);
    k.setWithdrawnAtUs(withdrawn);
  }
}

}  // namespace

TEST_CASE("a match becomes a trigger for the node's own side only", "[notifier]") {
  auto at_pl = triggers_of(match_found("PL"), "PL");
  REQUIRE(at_pl.size() == 1);
  CHECK(at_pl[0].kind == "match_found");
  CHECK(at_pl[0].organisation_id == "PL-000001");
  CHECK(at_pl[0].key == "match:M-0123456789ab:PL-PRF-000001");
  CHECK(at_pl[0].model["partner"]["title"] == "Optical weld inspection");
  CHECK(at_pl[0].model["partner"]["country"] == "FI");
  CHECK(at_pl[0].model["partner"]["type"] == "sme");
  CHECK(at_pl[0].model["match"]["score"] == 73);
  CHECK(at_pl[0].model["explanation"][0] == "advanced-manufacturing");
  // A term is told as its title's word; a stem no title writes is not told at all
  // (outside findings: "cooper", from "cooperation", read as a word).
  CHECK(at_pl[0].model["explanation"] ==
        nlohmann::json::array({"advanced-manufacturing", "inspection"}));
  // FI's own matching tells FI; a PL notifier never reads another origin's match.
  CHECK(triggers_of(match_found("FI"), "PL").empty());
  auto at_fi = triggers_of(match_found("FI"), "FI");
  REQUIRE(at_fi.size() == 1);
  CHECK(at_fi[0].organisation_id == "FI-000003");
  CHECK(at_fi[0].model["partner"]["title"] == "Machine vision for weld inspection");
}

TEST_CASE("expressions of interest and profile steps become the right kinds", "[notifier]") {
  auto eoi = [](const std::string& type, wire::EoiStatus status) {
    return event<wire::EoiEvent>("PL", wire::Service::REGISTRY, type, 5, [&](auto e) {
      e.setEoiId("PL-EOI-000009");
      e.setProfileId("PL-PRF-000001");
      e.setStatus(status);
      e.setLocalOrgId("PL-000001");
    });
  };
  auto received = triggers_of(eoi("registry.eoi.received", wire::EoiStatus::FORWARDED), "PL");
  REQUIRE(received.size() == 1);
  CHECK(received[0].kind == "eoi_received");
  CHECK(received[0].profile_to_read == "PL-PRF-000001");
  auto accepted = triggers_of(eoi("registry.eoi.changed", wire::EoiStatus::ACCEPTED), "PL");
  REQUIRE(accepted.size() == 1);
  CHECK(accepted[0].kind == "eoi_answered");
  CHECK(accepted[0].key == "eoi:PL-EOI-000009:accepted");
  CHECK(triggers_of(eoi("registry.eoi.changed", wire::EoiStatus::UNDELIVERABLE), "PL")[0].kind ==
        "eoi_undeliverable");
  CHECK(triggers_of(eoi("registry.eoi.changed", wire::EoiStatus::AGREEMENT), "PL")[0].kind ==
        "eoi_advanced");
  CHECK(triggers_of(eoi("registry.eoi.changed", wire::EoiStatus::FORWARDED), "PL").empty());

  auto status = [](wire::ProfileStatus s, const std::string& owner) {
    return event<wire::ProfileStatusEvent>("PL", wire::Service::REGISTRY, "registry.profile.status",
                                           8, [&](auto e) {
                                             e.setProfileId("PL-PRF-000001");
                                             e.setOwnerId(owner);
                                             e.setStatus(s);
                                           });
  };
  auto returned = triggers_of(status(wire::ProfileStatus::REVISION_REQUESTED, "PL-000001"), "PL");
  REQUIRE(returned.size() == 1);
  CHECK(returned[0].kind == "profile_returned");
  CHECK(returned[0].profile_to_read == "PL-PRF-000001");
  CHECK(triggers_of(status(wire::ProfileStatus::EXPIRED, "PL-000001"), "PL")[0].kind ==
        "profile_expired");
  CHECK(triggers_of(status(wire::ProfileStatus::WITHDRAWN, "PL-000001"), "PL").empty());
}

TEST_CASE("alerts reach only contacts with consent and transactional messages reach all",
          "[notifier]") {
  capnp::MallocMessageBuilder message;
  auto org = message.initRoot<wire::Organisation>();
  org.initLanguages(1).set(0, "de");
  auto contacts = org.initContacts(5);
  add_contact(contacts[0], "consent@example.pl", "pl", true);
  add_contact(contacts[1], "none@example.pl", "", false);
  add_contact(contacts[2], "withdrawn@example.pl", "pl", true, 99);
  add_contact(contacts[3], "quiet@example.pl", "pl", true, 0, "none");
  add_contact(contacts[4], "nolang@example.pl", "", true);

  auto alerts = recipients_of(org.asReader(), "match_found");
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].email == "consent@example.pl");
  CHECK(alerts[0].language == "pl");
  CHECK(alerts[0].rhythm == "immediate");
  CHECK_FALSE(alerts[0].transactional);
  CHECK(alerts[1].email == "nolang@example.pl");
  CHECK(alerts[1].language == "de");  // the organisation's first working language

  auto told = recipients_of(org.asReader(), "eoi_received");
  std::set<std::string> emails;
  for (const auto& r : told) emails.insert(r.email);
  // Transactional: consent to alerts is not asked; the channel "none" still is.
  CHECK(emails == std::set<std::string>{"consent@example.pl", "none@example.pl",
                                        "withdrawn@example.pl", "nolang@example.pl"});
  CHECK(recipient_tag("Consent@Example.PL") == recipient_tag("consent@example.pl"));
  CHECK(recipient_tag("consent@example.pl").size() == 16);
}

namespace {

// The registry's answers, from records the test writes.
class FakeRegistry : public RegistryReader {
 public:
  std::map<std::string, std::string> orgs;  // id -> encoded registry.org.reply
  bool down = false;
  int asked = 0;
  std::optional<DecodedEnvelope> organisation(const std::string& id) override {
    ++asked;
    return answer(orgs, id);
  }
  std::map<std::string, std::string> profile_replies;  // id -> encoded registry.profile.reply
  int profiles_asked = 0;
  std::optional<DecodedEnvelope> profile(const std::string& id) override {
    ++profiles_asked;
    return answer(profile_replies, id);
  }
  // Reads asked together (one round trip over a socket): how many batches, largest.
  int batches = 0;
  std::size_t largest_batch = 0;
  std::vector<std::optional<DecodedEnvelope>> organisations(
      const std::vector<std::string>& ids) override {
    if (!ids.empty()) ++batches;
    largest_batch = std::max(largest_batch, ids.size());
    return RegistryReader::organisations(ids);
  }
  std::vector<std::optional<DecodedEnvelope>> profiles(
      const std::vector<std::string>& ids) override {
    if (!ids.empty()) ++batches;
    largest_batch = std::max(largest_batch, ids.size());
    return RegistryReader::profiles(ids);
  }
  // The stored reply for `id`, a NOT_FOUND error without one, nothing when down.
  std::optional<DecodedEnvelope> answer(const std::map<std::string, std::string>& replies,
                                        const std::string& id) const {
    if (down) return std::nullopt;
    auto it = replies.find(id);
    std::string bytes;
    if (it == replies.end()) {
      EnvelopeBuilder error("PL", wire::Service::REGISTRY, "error");
      error.init_payload<wire::Error>().setCode(wire::ErrorCode::NOT_FOUND);
      bytes = error.encode();
    } else {
      bytes = it->second;
    }
    return std::move(
               decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, {}))
        .value();
  }
  void add_profile(const std::string& id, const std::string& owner, const std::string& last_day,
                   wire::ProfileStatus status = wire::ProfileStatus::PUBLISHED) {
    EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.profile.reply");
    auto p = reply.init_payload<wire::ProfileReply>().initProfile();
    p.setId(id);
    p.setOwnerId(owner);
    p.setTitle("Coatings for thermal cameras");
    p.setExpiresOn(last_day);
    p.setStatus(status);
    profile_replies[id] = reply.encode();
  }
  std::vector<std::pair<std::string, std::string>> withdrawn;  // (organisation, address)
  std::optional<DecodedEnvelope> withdraw_consent(const std::string& org_id,
                                                  const std::string& email,
                                                  const std::string&) override {
    if (down) return std::nullopt;
    withdrawn.emplace_back(org_id, email);
    return organisation(org_id);
  }

  void add(const std::string& id, const std::vector<std::pair<std::string, std::string>>& who) {
    EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.org.reply");
    auto org = reply.init_payload<wire::OrgReply>().initOrganisation();
    org.setId(id);
    org.setLegalName("Optika Gdańsk sp. z o.o.");
    auto contacts = org.initContacts(static_cast<unsigned>(who.size()));
    for (unsigned i = 0; i < who.size(); ++i) {
      add_contact(contacts[i], who[i].first, who[i].second, true);
    }
    orgs[id] = reply.encode();
  }
};

struct Core {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", notifier_column_families());
  replication::EventLog log{*db, "PL", wire::Service::NOTIFIER};
  Templates templates =
      Templates::load(std::filesystem::path(GOSMART_SOURCE_DIR) / "services/notifier/templates");
  LinkTokens tokens{LinkTokens::new_key()};
  NotifierCore core{
      *db,
      log,
      nullptr,
      templates,
      tokens,
      NotifierOptions{"PL", "gosmart@pl.example", "broker@pl.example", "https://pl.example/n"}};
  FakeRegistry registry;

  void apply(const DecodedEnvelope& e) {
    store::StagingBatch batch(*db);
    REQUIRE(core.apply(e, batch).ok());
    auto sealed = batch.seal();
    REQUIRE(db->commit(sealed).ok());
    batch.landed();
  }
  std::vector<std::pair<std::string, std::string>> queued() {  // (destination, recipient)
    std::vector<std::pair<std::string, std::string>> out;
    auto it = db->iterate(db->cf(kOutboxCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
      REQUIRE(n);
      std::string key = it->key().ToString();
      out.emplace_back(key.substr(0, key.find('\0')), text_of(n->get().getRecipient()));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("a trigger is resolved once into one message per recipient in its language",
          "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}, {"john@example.pl", "en"}});
  c.apply(match_found("PL"));
  CHECK(c.core.counts().triggers == 1);
  // The registry does not answer: the trigger waits.
  c.registry.down = true;
  CHECK(c.core.resolve(c.registry) == 0);
  CHECK(c.core.counts().triggers == 1);
  c.registry.down = false;
  CHECK(c.core.resolve(c.registry) == 1);
  CHECK(c.core.counts().triggers == 0);
  auto queued = c.queued();
  REQUIRE(queued.size() == 2);
  // One recipient's messages share a destination, so they keep their order.
  CHECK(c.core.destination_of("anna@example.pl") == c.core.destination_of("ANNA@example.pl"));

  auto it = c.db->iterate(c.db->cf(kOutboxCf));
  std::set<std::string> languages;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
    languages.insert(text_of(n->get().getLanguage()));
    CHECK(text_of(n->get().getUnsubscribeUrl()).rfind("https://pl.example/n/u/", 0) == 0);
    CHECK(text_of(n->get().getText()).find("Optical weld inspection") != std::string::npos);
    CHECK(text_of(n->get().getKey()).rfind("match:M-0123456789ab:PL-PRF-000001|", 0) == 0);
  }
  CHECK(languages == std::set<std::string>{"pl", "en"});

  // The same match announced again (a restart, a score that rose again): told once.
  c.apply(match_found("PL", 2));
  CHECK(c.core.counts().triggers == 0);
  CHECK(c.queued().size() == 2);
}

TEST_CASE("an erased organisation's waiting messages and triggers are removed", "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  c.apply(match_found("PL"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  REQUIRE(c.queued().size() == 1);
  c.apply(
      event<wire::EoiEvent>("PL", wire::Service::REGISTRY, "registry.eoi.received", 9, [](auto e) {
        e.setEoiId("PL-EOI-000001");
        e.setLocalOrgId("PL-000001");
        e.setStatus(wire::EoiStatus::FORWARDED);
      }));
  REQUIRE(c.core.counts().triggers == 1);
  c.apply(event<wire::OrgErasedEvent>("PL", wire::Service::REGISTRY, "registry.org.erased", 10,
                                      [](auto e) { e.setOrganisationId("PL-000001"); }));
  CHECK(c.queued().empty());
  CHECK(c.core.counts().triggers == 0);
  // A trigger for an organisation the registry no longer knows is dropped, not kept.
  c.apply(match_found("PL", 11));  // resolved before: told once
  c.registry.orgs.clear();
  c.apply(
      event<wire::EoiEvent>("PL", wire::Service::REGISTRY, "registry.eoi.received", 12, [](auto e) {
        e.setEoiId("PL-EOI-000002");
        e.setLocalOrgId("PL-000001");
        e.setStatus(wire::EoiStatus::FORWARDED);
      }));
  CHECK(c.core.resolve(c.registry) == 1);
  CHECK(c.queued().empty());
}

TEST_CASE("one organisation told of many things in one round is read once", "[notifier]") {
  // A reader counts every read against its traversal limit: the registry's answer,
  // read again for each of 300 triggers, once killed the process.
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  for (int i = 0; i < 300; ++i) {
    c.apply(event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                               "registry.profile.published",
                                               static_cast<uint64_t>(i + 1), [&](auto e) {
                                                 auto p = e.initProfile();
                                                 p.setId("PL-PRF-" + std::to_string(i));
                                                 p.setOwnerId("PL-000001");
                                                 p.setTitle("Coatings");
                                                 p.setUpdatedUs(i + 1);
                                               }));
  }
  CHECK(c.core.counts().triggers == 300);
  CHECK(c.core.resolve(c.registry, 512) == 300);
  CHECK(c.registry.asked == 1);
  CHECK(c.queued().size() == 300);
}

TEST_CASE("triggers staged behind the resolve cursor, or stored before a restart, are resolved",
          "[notifier]") {
  // Session 19: resolve keeps the waiting triggers' keys in memory (a store iterator
  // stepped over every resolved one); a key that sorts before where the last round
  // stopped, or one stored by an earlier process, must still be found.
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  uint64_t seq = 0;
  auto publish = [&](const std::string& id) {
    ++seq;
    c.apply(event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                               "registry.profile.published", seq, [&](auto e) {
                                                 auto p = e.initProfile();
                                                 p.setId(id);
                                                 p.setOwnerId("PL-000001");
                                                 p.setTitle("Coatings");
                                                 p.setUpdatedUs(static_cast<int64_t>(seq));
                                               }));
  };
  for (int i = 0; i < 6; ++i) publish("PL-PRF-5" + std::to_string(i));
  REQUIRE(c.core.resolve(c.registry, 4) == 4);                          // stops after PL-PRF-53
  for (int i = 0; i < 3; ++i) publish("PL-PRF-1" + std::to_string(i));  // behind the cursor
  publish("PL-PRF-9");
  std::size_t resolved = 0;
  for (int round = 0; round < 10; ++round) resolved += c.core.resolve(c.registry, 4);
  CHECK(resolved == 6);
  CHECK(c.queued().size() == 10);
  CHECK(c.core.counts().triggers == 0);

  // Stored, not resolved, then the process ends: the next one finds them.
  publish("PL-PRF-0");
  publish("PL-PRF-99");
  NotifierCore restarted{
      *c.db,
      c.log,
      nullptr,
      c.templates,
      c.tokens,
      NotifierOptions{"PL", "gosmart@pl.example", "broker@pl.example", "https://pl.example/n"}};
  CHECK(restarted.resolve(c.registry, 64) == 2);
  CHECK(c.queued().size() == 12);
}

TEST_CASE("a burst over many organisations asks the registry in runs, not one by one",
          "[notifier]") {
  // Session 18: each trigger's organisation and profile were two round trips to the
  // registry, awaited by the service loop (and its lanes) one after the other.
  Core c;
  for (int o = 0; o < 100; ++o) {
    std::string id = "PL-" + std::to_string(100000 + o);
    c.registry.add(id, {{"contact" + std::to_string(o) + "@example.pl", "pl"}});
    c.registry.add_profile("PL-PRF-" + std::to_string(o), id, "2027-06-30");
    c.apply(event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                               "registry.profile.published",
                                               static_cast<uint64_t>(o + 1), [&](auto e) {
                                                 auto p = e.initProfile();
                                                 p.setId("PL-PRF-" + std::to_string(o));
                                                 p.setOwnerId(id);
                                                 p.setTitle("Coatings");
                                                 p.setUpdatedUs(o + 1);
                                               }));
  }
  CHECK(c.core.resolve(c.registry, 512) == 100);
  CHECK(c.queued().size() == 100);
  // Every organisation read once, in runs of at most 32 (a publication's message
  // needs no profile read: its event carries the title).
  CHECK(c.registry.asked == 100);
  CHECK(c.registry.profiles_asked == 0);
  CHECK(c.registry.batches == 4);
  CHECK(c.registry.largest_batch == 32);
  // Read again within contacts_fresh_for: the copies are reused.
  c.apply(event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                             "registry.profile.published", 101, [&](auto e) {
                                               auto p = e.initProfile();
                                               p.setId("PL-PRF-0");
                                               p.setOwnerId("PL-100000");
                                               p.setTitle("Coatings");
                                               p.setUpdatedUs(101);
                                             }));
  CHECK(c.core.resolve(c.registry) == 1);
  CHECK(c.registry.asked == 100);
}

TEST_CASE("a message whose recipient withdrew consent after it was queued is settled unsent",
          "[notifier]") {
  // Outside findings: a message queued or dead-lettered before an unsubscribe was
  // still sent, and a broker's retry sent it too. Asked right before each send.
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}, {"john@example.pl", "en"}});
  c.apply(match_found("PL"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  auto entry_for = [&](const std::string& email) {
    auto it = c.db->iterate(c.db->cf(kOutboxCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
      REQUIRE(n);
      if (text_of(n->get().getRecipient()) != email) continue;
      std::string key = it->key().ToString();
      return outbox::Entry{key, key.substr(0, key.find('\0')), it->value().ToString()};
    }
    FAIL("nothing queued for " << email);
    return outbox::Entry{};
  };
  auto anna = entry_for("anna@example.pl");
  auto john = entry_for("john@example.pl");
  CHECK(c.core.may_send(anna, c.registry) == SendGate::send);
  CHECK(c.core.may_send(john, c.registry) == SendGate::send);

  // Anna withdraws her consent (and her address is now spelled in capitals); John
  // sets his channel to none.
  EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.org.reply");
  auto org = reply.init_payload<wire::OrgReply>().initOrganisation();
  org.setId("PL-000001");
  auto contacts = org.initContacts(2);
  add_contact(contacts[0], "ANNA@example.pl", "pl", true, /*withdrawn=*/5);
  add_contact(contacts[1], "john@example.pl", "en", true, 0, "none");
  c.registry.orgs["PL-000001"] = reply.encode();
  // The answer read a moment ago is still used, until forgotten (an unsubscribe
  // taken by this notifier) or older than contacts_fresh_for_us.
  CHECK(c.core.may_send(anna, c.registry) == SendGate::send);
  c.core.forget_contacts();
  CHECK(c.core.may_send(anna, c.registry) == SendGate::cancel);
  CHECK(c.core.may_send(john, c.registry) == SendGate::cancel);
  // Consent again, same address in other case: sent.
  contacts = org.initContacts(1);
  add_contact(contacts[0], "ANNA@example.pl", "pl", true);
  c.registry.orgs["PL-000001"] = reply.encode();
  c.core.forget_contacts();
  CHECK(c.core.may_send(anna, c.registry) == SendGate::send);
  CHECK(c.core.may_send(john, c.registry) == SendGate::cancel);  // no longer a contact
  // A registry that does not answer: the message waits; an erased one: not sent.
  c.core.forget_contacts();
  c.registry.down = true;
  CHECK(c.core.may_send(anna, c.registry) == SendGate::later);
  c.registry.down = false;
  c.registry.orgs.clear();
  CHECK(c.core.may_send(anna, c.registry) == SendGate::cancel);

  // Settled unsent: recorded as suppressed, on the stream, never a dead letter.
  c.core.queue().stage_removal(c.core.staging(), john);
  c.core.settle(john, {outbox::Settlement::Outcome::cancelled, "cancelled"});
  bool stored = false;
  c.core.commit([&](bool ok) { stored = ok; });
  // Another batch stored meanwhile (a new match resolved) stores nothing of the
  // settle: neither its count nor its delivery event is claimed before it lands
  // (outside CI: the metric said 1 while the delivery list had no such event).
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  c.core.forget_contacts();
  c.apply(match_found("PL", 2, "M-fedcba987654"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  CHECK(c.core.suppressed() == 0);
  CHECK(c.log.head("PL") == 0);
  c.core.flush_settles();
  CHECK(stored);
  CHECK(c.core.suppressed() == 1);
  CHECK(c.log.head("PL") == 1);
  auto events = c.log.read_after("PL", 0, 10, 1 << 20);
  REQUIRE(events.ok());
  CHECK(events.value().events.size() == 1);
  CHECK(c.core.counts().dead == 0);
  auto n = store::StoredValue<wire::Notification>::parse(john.payload);
  auto key = c.db->get(c.db->cf(kKeysCf), text_of(n->get().getKey()));
  REQUIRE(key.ok());
  REQUIRE(key.value());
  CHECK(*key.value() == "suppressed");
  CHECK(c.queued().size() == 2);  // Anna's first and the new match's
}

TEST_CASE("an unsubscribe kept while the registry is away stops alerts at once and is passed on",
          "[notifier]") {
  // Outside findings: the link answered 503 and the unsubscribe was lost.
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  c.apply(match_found("PL"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  auto it = c.db->iterate(c.db->cf(kOutboxCf));
  it->SeekToFirst();
  REQUIRE(it->Valid());
  std::string key = it->key().ToString();
  outbox::Entry alert{key, key.substr(0, key.find('\0')), it->value().ToString()};
  CHECK(c.core.may_send(alert, c.registry) == SendGate::send);

  auto first = c.core.keep_unsubscribe("PL-000001", recipient_tag("Anna@Example.pl"));
  REQUIRE(first.ok());
  CHECK(first.value());  // newly kept: counted as an unsubscribe
  // A second click while the registry is away is told "already" and not counted
  // (outside findings: each click was counted).
  auto again = c.core.keep_unsubscribe("PL-000001", recipient_tag("anna@example.pl"));
  REQUIRE(again.ok());
  CHECK_FALSE(again.value());
  CHECK(c.core.may_send(alert, c.registry) == SendGate::cancel);
  // A transactional message still goes: the unsubscribe is from alerts.
  capnp::MallocMessageBuilder copy;
  copy.setRoot(store::StoredValue<wire::Notification>::parse(alert.payload)->get());
  copy.getRoot<wire::Notification>().setTransactional(true);
  outbox::Entry own{key, alert.destination, store::to_bytes(copy)};
  CHECK(c.core.may_send(own, c.registry) == SendGate::send);

  c.registry.down = true;
  CHECK(c.core.pass_on_unsubscribes(c.registry) == 0);
  CHECK(c.registry.withdrawn.empty());
  c.registry.down = false;
  CHECK(c.core.pass_on_unsubscribes(c.registry) == 1);
  REQUIRE(c.registry.withdrawn.size() == 1);
  CHECK(c.registry.withdrawn[0] ==
        std::pair<std::string, std::string>{"PL-000001", "anna@example.pl"});
  CHECK(c.core.pass_on_unsubscribes(c.registry) == 0);  // passed on once
  // From now on the registry is the record (this fake still says "consent").
  CHECK(c.core.may_send(alert, c.registry) == SendGate::send);
  // For a while the link's page still says it is done, whatever the link endpoint
  // thinks of the registry (outside findings: the form came back for seconds).
  CHECK(c.core.unsubscribe_kept("PL-000001", recipient_tag("anna@example.pl")));

  // Kept for an organisation erased meanwhile: purged with it.
  REQUIRE(c.core.keep_unsubscribe("PL-000001", recipient_tag("anna@example.pl")).ok());
  c.apply(event<wire::OrgErasedEvent>("PL", wire::Service::REGISTRY, "registry.org.erased", 10,
                                      [](auto e) { e.setOrganisationId("PL-000001"); }));
  CHECK(c.core.pass_on_unsubscribes(c.registry) == 0);
  CHECK(c.registry.withdrawn.size() == 1);
}

TEST_CASE("a profile is reminded of its expiry once per reminder and never of a date it lost",
          "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"john@example.pl", "en"}});
  c.registry.add_profile("PL-PRF-1", "PL-000001", "2027-01-10");
  auto published = [&](const std::string& id, const std::string& last_day, uint64_t seq) {
    return event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                              "registry.profile.published", seq, [&](auto e) {
                                                auto p = e.initProfile();
                                                p.setId(id);
                                                p.setOwnerId("PL-000001");
                                                p.setTitle("Coatings for thermal cameras");
                                                p.setExpiresOn(last_day);
                                                p.setUpdatedUs(static_cast<int64_t>(seq));
                                              });
  };
  c.apply(published("PL-PRF-1", "2027-01-10", 1));
  REQUIRE(c.core.resolve(c.registry) == 1);  // profile_published, to John
  REQUIRE(c.queued().size() == 1);
  const std::string zone = "Europe/Brussels";
  auto thirty = local_day_us("2027-01-10", -30, 8, zone);
  CHECK(c.core.fire_due_reminders(thirty - 1) == 0);
  CHECK(c.core.fire_due_reminders(thirty) == 1);
  CHECK(c.core.fire_due_reminders(thirty) == 0);  // fired once
  REQUIRE(c.core.resolve(c.registry) == 1);
  auto expiring = [&] {
    std::vector<std::string> texts;
    auto it = c.db->iterate(c.db->cf(kOutboxCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
      if (text_of(n->get().getKind()) == "profile_expiring") {
        texts.push_back(text_of(n->get().getText()));
      }
    }
    return texts;
  };
  REQUIRE(expiring().size() == 1);
  CHECK(expiring()[0].find("30 days") != std::string::npos);
  CHECK(expiring()[0].find("https://pl.example/n/r/") != std::string::npos);  // renew link

  // PL-PRF-1 is renewed (its 7-day reminder keeps the old date); PL-PRF-2 is
  // published three days before its end: both its reminders are due at once, and
  // it hears of the nearer one only, with the days left now.
  c.registry.add_profile("PL-PRF-1", "PL-000001", "2028-01-10");
  c.registry.add_profile("PL-PRF-2", "PL-000001", "2027-01-10");
  c.apply(published("PL-PRF-2", "2027-01-10", 2));
  REQUIRE(c.core.resolve(c.registry) == 1);  // its profile_published
  auto three_before = local_day_us("2027-01-10", -3, 8, zone);
  CHECK(c.core.fire_due_reminders(three_before) == 2);  // PRF-1's 7-day, PRF-2's nearer
  CHECK(c.core.resolve(c.registry) == 2);
  auto texts = expiring();
  REQUIRE(texts.size() == 2);  // PRF-1's stale one dropped
  CHECK((texts[0].find("3 days") != std::string::npos ||
         texts[1].find("3 days") != std::string::npos));
  // After its last day, a reminder still waiting is dropped: the expiry tells it.
  c.apply(published("PL-PRF-3", "2027-02-01", 3));
  c.registry.add_profile("PL-PRF-3", "PL-000001", "2027-02-01");
  REQUIRE(c.core.resolve(c.registry) == 1);
  CHECK(c.core.fire_due_reminders(local_day_us("2027-02-02", 0, 9, zone)) == 0);
  // An erased organisation's reminders go with it.
  c.apply(published("PL-PRF-4", "2027-03-01", 4));
  c.apply(event<wire::OrgErasedEvent>("PL", wire::Service::REGISTRY, "registry.org.erased", 5,
                                      [](auto e) { e.setOrganisationId("PL-000001"); }));
  CHECK(c.core.fire_due_reminders(local_day_us("2027-03-01", 0, 9, zone)) == 0);
}

TEST_CASE("a webhook request is signed at send time under an id its retries keep", "[notifier]") {
  capnp::MallocMessageBuilder message;
  auto n = message.initRoot<wire::Notification>();
  n.setKey("match:M-1:PL-PRF-1|wh_0123|webhook");
  n.setChannel("webhook");
  n.setRecipient("https://portal.example/hooks/gosmart");
  n.setText(R"({"type":"gosmart.match_found"})");
  n.setAttempts(2);
  auto secret = new_webhook_secret();
  auto first = webhook_request(n.asReader(), secret, 1'800'000'000);
  auto again = webhook_request(n.asReader(), secret, 1'800'000'060);
  CHECK(first.url == "https://portal.example/hooks/gosmart");
  CHECK(first.mime == R"({"type":"gosmart.match_found"})");
  CHECK(first.attempts_before == 2);
  auto header = [](const SmtpMessage& m, const std::string& name) {
    for (const auto& h : m.headers) {
      if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
    }
    return std::string();
  };
  CHECK(header(first, "webhook-id") == header(again, "webhook-id"));
  CHECK(header(first, "webhook-id") == webhook_message_id("match:M-1:PL-PRF-1|wh_0123|webhook"));
  CHECK(webhook_message_id("a") != webhook_message_id("b"));
  CHECK(header(first, "webhook-timestamp") == "1800000000");
  CHECK(header(first, "Content-Type") == "application/json");
  CHECK(webhook_verify(secret, header(first, "webhook-id"), 1'800'000'000, first.mime,
                       header(first, "webhook-signature"), 1'800'000'010));
  CHECK_FALSE(webhook_verify(new_webhook_secret(), header(first, "webhook-id"), 1'800'000'000,
                             first.mime, header(first, "webhook-signature"), 1'800'000'010));
}

TEST_CASE("a contact on a daily rhythm gets the day's alerts in one digest at 08:00",
          "[notifier]") {
  Core c;
  EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.org.reply");
  auto org = reply.init_payload<wire::OrgReply>().initOrganisation();
  org.setId("PL-000001");
  auto contacts = org.initContacts(2);
  add_contact(contacts[0], "daily@example.pl", "en", true);
  contacts[0].setAlertRhythm("daily");
  add_contact(contacts[1], "now@example.pl", "en", true);
  c.registry.orgs["PL-000001"] = reply.encode();
  auto match = [](const std::string& id, const std::string& title, uint64_t seq) {
    return event<wire::MatchFoundEvent>("PL", wire::Service::MATCHING, "matching.match.found", seq,
                                        [&](auto e) {
                                          auto m = e.initMatch();
                                          m.setId(id);
                                          m.setScore(0.7);
                                          auto a = m.initA();
                                          a.setProfileId("PL-PRF-000001");
                                          a.setOwnerId("PL-000001");
                                          a.setCountry("PL");
                                          auto b = m.initB();
                                          b.setProfileId("FI-PRF-" + id);
                                          b.setOwnerId("FI-000003");
                                          b.setCountry("FI");
                                          b.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
                                          b.setTitle(title);
                                        });
  };
  c.apply(match("M-1", "Optical weld inspection", 1));
  c.apply(match("M-2", "Laser seam tracking", 2));
  REQUIRE(c.core.resolve(c.registry) == 2);
  // The contact on "immediate" has both at once; the daily one none yet.
  auto to = [&](const std::string& who) {
    std::vector<std::string> texts;
    auto it = c.db->iterate(c.db->cf(kOutboxCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
      if (text_of(n->get().getRecipient()) == who) {
        texts.push_back(text_of(n->get().getKind()) + ":" + text_of(n->get().getText()));
      }
    }
    return texts;
  };
  CHECK(to("now@example.pl").size() == 2);
  CHECK(to("daily@example.pl").empty());
  auto due = next_digest_due_us(Rhythm::daily, now_us(), "Europe/Brussels");
  CHECK(c.core.send_due_digests(due - 1'000'000) == 0);
  CHECK(c.core.send_due_digests(due) == 1);
  auto digest = to("daily@example.pl");
  REQUIRE(digest.size() == 1);
  CHECK(digest[0].rfind("digest:", 0) == 0);
  CHECK(digest[0].find("Optical weld inspection") != std::string::npos);
  CHECK(digest[0].find("Laser seam tracking") != std::string::npos);
  CHECK(digest[0].find("2 ") != std::string::npos);
  CHECK(c.core.send_due_digests(due + 1) == 0);  // sent once; nothing held now
  // The same match announced again is not held twice.
  c.apply(match("M-1", "Optical weld inspection", 3));
  CHECK(c.core.resolve(c.registry) == 0);
  // An erasure takes held alerts with it.
  c.apply(match("M-3", "Weld cameras", 4));
  REQUIRE(c.core.resolve(c.registry) == 1);
  c.apply(event<wire::OrgErasedEvent>("PL", wire::Service::REGISTRY, "registry.org.erased", 5,
                                      [](auto e) { e.setOrganisationId("PL-000001"); }));
  CHECK(c.core.send_due_digests(next_digest_due_us(Rhythm::daily, due, "Europe/Brussels")) == 0);
}

TEST_CASE("rate limits hold a message back per recipient and per server", "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}, {"john@example.pl", "en"}});
  c.apply(match_found("PL"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  std::map<std::string, outbox::Entry> entries;
  auto it = c.db->iterate(c.db->cf(kOutboxCf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
    std::string key = it->key().ToString();
    entries[text_of(n->get().getRecipient())] =
        outbox::Entry{key, key.substr(0, key.find('\0')), it->value().ToString()};
  }
  REQUIRE(entries.size() == 2);
  auto limited = [&](double per_hour, double per_second) {
    NotifierOptions options{"PL", "gosmart@pl.example", "broker@pl.example",
                            "https://pl.example/n"};
    options.recipient_per_hour = per_hour;
    options.recipient_burst = 1;
    options.server_per_second = per_second;
    options.server_burst = 1;
    return std::make_unique<NotifierCore>(*c.db, c.log, nullptr, c.templates, c.tokens, options);
  };
  auto per_recipient = limited(1, 0);
  CHECK(per_recipient->may_send(entries["anna@example.pl"], c.registry) == SendGate::send);
  // Anna's next steps aside (her lane goes on) for about an hour, her rate.
  std::chrono::milliseconds wait{0};
  CHECK(per_recipient->may_send(entries["anna@example.pl"], c.registry, &wait) == SendGate::aside);
  CHECK(wait > std::chrono::minutes(59));
  CHECK(wait <= std::chrono::minutes(61));
  CHECK(per_recipient->may_send(entries["john@example.pl"], c.registry) == SendGate::send);
  // The relay's limit holds back another recipient's message too.
  auto both = limited(1, 0.001);
  CHECK(both->may_send(entries["anna@example.pl"], c.registry) == SendGate::send);
  CHECK(both->may_send(entries["john@example.pl"], c.registry) == SendGate::later);
  // No limits (the default): never held back.
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c.core.may_send(entries["anna@example.pl"], c.registry) == SendGate::send);
  }
}

TEST_CASE("a retracted match is told to those told of it and to nobody else", "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"john@example.pl", "en"}});
  auto retracted = [](const std::string& id, uint64_t seq) {
    return event<wire::MatchRetractedEvent>("PL", wire::Service::MATCHING,
                                            "matching.match.retracted", seq, [&](auto e) {
                                              e.setMatchId(id);
                                              auto ids = e.initProfileIds(2);
                                              ids.set(0, "PL-PRF-000001");
                                              ids.set(1, "FI-PRF-000007");
                                              e.setReason("withdrawn");
                                            });
  };
  auto kinds = [&] {
    std::multiset<std::string> out;
    auto it = c.db->iterate(c.db->cf(kOutboxCf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
      out.insert(text_of(n->get().getKind()));
      if (text_of(n->get().getKind()) == "match_retracted") {
        CHECK(text_of(n->get().getText()).find("Optical weld inspection") != std::string::npos);
      }
    }
    return out;
  };
  c.apply(match_found("PL", 1));
  REQUIRE(c.core.resolve(c.registry) == 1);
  c.apply(retracted("M-0123456789ab", 2));
  REQUIRE(c.core.resolve(c.registry) == 1);
  CHECK(kinds() == std::multiset<std::string>{"match_found", "match_retracted"});
  // Retracted again (a replay): told once.
  c.apply(retracted("M-0123456789ab", 3));
  CHECK(c.core.resolve(c.registry) == 0);
  // Found and retracted before anyone was told: nobody hears of either.
  c.registry.down = true;
  c.apply(event<wire::MatchFoundEvent>("PL", wire::Service::MATCHING, "matching.match.found", 4,
                                       [](auto e) {
                                         auto m = e.initMatch();
                                         m.setId("M-2");
                                         auto a = m.initA();
                                         a.setProfileId("PL-PRF-000001");
                                         a.setOwnerId("PL-000001");
                                         a.setCountry("PL");
                                         auto b = m.initB();
                                         b.setProfileId("FI-PRF-000009");
                                         b.setCountry("FI");
                                         b.setTitle("Another offer");
                                       }));
  CHECK(c.core.counts().triggers == 1);
  c.apply(retracted("M-2", 5));
  CHECK(c.core.counts().triggers == 0);
  c.registry.down = false;
  CHECK(c.core.resolve(c.registry) == 0);
  CHECK(kinds().size() == 2);
  // A retraction of a match of another node's side names nothing of ours.
  c.apply(retracted("M-unknown", 6));
  CHECK(c.core.counts().triggers == 0);
}

TEST_CASE("an expired profile's message offers the one-click renewal", "[notifier]") {
  Core c;
  c.registry.add("PL-000001", {{"john@example.pl", "en"}, {"anna@example.pl", "pl"}});
  c.registry.add_profile("PL-PRF-1", "PL-000001", "2026-11-29", wire::ProfileStatus::EXPIRED);
  c.apply(event<wire::ProfileStatusEvent>("PL", wire::Service::REGISTRY, "registry.profile.status",
                                          7, [](auto e) {
                                            e.setProfileId("PL-PRF-1");
                                            e.setOwnerId("PL-000001");
                                            e.setStatus(wire::ProfileStatus::EXPIRED);
                                          }));
  REQUIRE(c.core.resolve(c.registry) == 1);
  auto it = c.db->iterate(c.db->cf(kOutboxCf));
  int seen = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
    CHECK(text_of(n->get().getKind()) == "profile_expired");
    CHECK(text_of(n->get().getText()).find("https://pl.example/n/r/") != std::string::npos);
    ++seen;
  }
  CHECK(seen == 2);  // in English and in Polish, each with its link
}

TEST_CASE("a webhook URL passes its prefix only as it would be sent", "[notifier]") {
  // Outside findings: "/hooks/../admin" and a user part passed a prefix on the text
  // and were posted elsewhere.
  const std::vector<std::string> prefixes = {"http://127.0.0.1:8080/hooks/"};
  CHECK(webhook_url_allowed("http://127.0.0.1:8080/hooks/gosmart", prefixes));
  CHECK(webhook_url_allowed("http://127.0.0.1:8080/hooks/a/b?x=1", prefixes));
  for (const char* bad :
       {"http://127.0.0.1:8080/hooks/../admin", "http://127.0.0.1:8080/hooks/x/../../admin",
        "http://127.0.0.1:8080/hooks/%2e%2e/admin", "http://127.0.0.1:8080/hooks/%2E%2E/admin",
        "http://127.0.0.1:8080/hooks/./x", "http://127.0.0.1:8080@evil.example/hooks/x",
        "http://127.0.0.1:8080/hooks\\..\\admin", "http://127.0.0.1:8080/hooks/a b",
        "ftp://127.0.0.1:8080/hooks/x", "http://127.0.0.1:8081/hooks/x",
        "http://127.0.0.1:8080/hook/x", "http://user:pw@127.0.0.1:8080/hooks/x",
        // Session 10's outside findings: spellings a server may decode after the check.
        "http://127.0.0.1:8080/hooks/..;/admin", "http://127.0.0.1:8080/hooks/%2f..%2fadmin",
        "http://127.0.0.1:8080/hooks/%5c..%5cadmin", "http://127.0.0.1:8080/hooks/%252e%252e/x",
        "http://127.0.0.1:8080/hooks/x%00.json", "http://127.0.0.1:8080/hooks/x%0d%0aHost:y"}) {
    CHECK_FALSE(webhook_url_allowed(bad, prefixes));
  }
  CHECK(webhook_url_problem("http://127.0.0.1:@example.com/"));
  CHECK(webhook_url_problem("http://127.0.0.1:8080/hooks/../admin"));
  CHECK_FALSE(webhook_url_problem("https://portal.example/hooks/gosmart"));
  CHECK_FALSE(webhook_url_allowed("https://portal.example/hooks/gosmart", {}));  // none allowed
}

TEST_CASE("an expiry reminder is not held for a weekly digest", "[notifier]") {
  // Outside findings: a reminder held for the Monday digest arrived after the
  // profile had expired.
  Core c;
  EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.org.reply");
  auto org = reply.init_payload<wire::OrgReply>().initOrganisation();
  org.setId("PL-000001");
  auto contact = org.initContacts(1)[0];
  add_contact(contact, "weekly@example.pl", "en", true);
  contact.setAlertRhythm("weekly");
  c.registry.orgs["PL-000001"] = reply.encode();
  c.registry.add_profile("PL-PRF-1", "PL-000001", "2027-01-10");
  c.apply(event<wire::ProfilePublishedEvent>("PL", wire::Service::REGISTRY,
                                             "registry.profile.published", 1, [&](auto e) {
                                               auto p = e.initProfile();
                                               p.setId("PL-PRF-1");
                                               p.setOwnerId("PL-000001");
                                               p.setTitle("Coatings for thermal cameras");
                                               p.setExpiresOn("2027-01-10");
                                             }));
  REQUIRE(c.core.resolve(c.registry) == 1);  // profile_published: transactional
  auto seven = local_day_us("2027-01-10", -7, 8, "Europe/Brussels");
  REQUIRE(c.core.fire_due_reminders(seven) == 1);
  REQUIRE(c.core.resolve(c.registry) == 1);
  std::vector<std::string> kinds;
  auto it = c.db->iterate(c.db->cf(kOutboxCf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto n = store::StoredValue<wire::Notification>::parse(it->value().ToString());
    kinds.push_back(text_of(n->get().getKind()));
  }
  CHECK(std::count(kinds.begin(), kinds.end(), "profile_expiring") == 1);
  CHECK(skips_digest("profile_expiring"));
  CHECK(skips_digest("profile_expired"));
  CHECK_FALSE(skips_digest("match_found"));
}

TEST_CASE("triggers are resolved round by round from where the last round stopped, none left",
          "[notifier]") {
  // Each round starts past the last one (not from the start, over every trigger
  // resolved before); one waiting before that place is found when the rounds wrap.
  Core c;
  c.registry.add("PL-000001", {{"anna@example.pl", "pl"}});
  c.apply(match_found("PL", 1, "M-000000000002"));
  c.apply(match_found("PL", 2, "M-000000000003"));
  c.apply(match_found("PL", 3, "M-000000000004"));
  CHECK(c.core.resolve(c.registry, 1) == 1);
  CHECK(c.core.resolve(c.registry, 1) == 1);
  c.apply(match_found("PL", 4, "M-000000000001"));  // sorts before the place reached
  CHECK(c.core.resolve(c.registry, 1) == 1);
  CHECK(c.core.resolve(c.registry, 1) == 1);
  CHECK(c.core.resolve(c.registry, 1) == 0);
  CHECK(c.queued().size() == 4);
  // A registry that does not answer stops a round where it is; nothing is skipped.
  c.apply(match_found("PL", 5, "M-000000000005"));
  c.apply(match_found("PL", 6, "M-000000000006"));
  c.registry.down = true;
  c.core.forget_contacts();
  CHECK(c.core.resolve(c.registry, 8) == 0);
  c.registry.down = false;
  CHECK(c.core.resolve(c.registry, 8) == 2);
  CHECK(c.queued().size() == 6);
}

TEST_CASE("a weekly contact turned daily gets its digest at the daily time", "[notifier]") {
  // Outside findings: the due time was fixed when the first alert was held.
  Core c;
  auto set_rhythm = [&](const std::string& rhythm) {
    EnvelopeBuilder reply("PL", wire::Service::REGISTRY, "registry.org.reply");
    auto org = reply.init_payload<wire::OrgReply>().initOrganisation();
    org.setId("PL-000001");
    auto contacts = org.initContacts(1);
    add_contact(contacts[0], "anna@example.pl", "en", true);
    contacts[0].setAlertRhythm(rhythm);
    c.registry.orgs["PL-000001"] = reply.encode();
    c.core.forget_contacts();
  };
  set_rhythm("weekly");
  c.apply(match_found("PL", 1, "M-000000000001"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  auto daily = next_digest_due_us(Rhythm::daily, now_us(), "Europe/Warsaw");
  auto weekly = next_digest_due_us(Rhythm::weekly, now_us(), "Europe/Warsaw");
  set_rhythm("daily");
  c.apply(match_found("PL", 2, "M-000000000002"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  CHECK(c.core.send_due_digests(daily) == 1);  // both, at the daily time
  CHECK(c.queued().size() == 1);
  // Back to weekly: a later alert does not push a nearer due time away.
  set_rhythm("weekly");
  c.apply(match_found("PL", 3, "M-000000000003"));
  REQUIRE(c.core.resolve(c.registry) == 1);
  CHECK(c.core.send_due_digests(weekly) == 1);
}
