// Writer epochs (issue 11, defect 2): every start of an event log numbers under a
// new epoch, and a seq that comes again with other content is kept beside the held
// copy, never over it. A registry restored from a backup takes its own events back
// from what its peers hold (restore.cpp).
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/envelope/scratch_message.hpp"
#include "common/replication/event_log.hpp"
#include "schemas/probe.capnp.h"
#include "services/registry/registry.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

namespace {

DecodedEnvelope decoded(const std::string& bytes) {
  return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value();
}

int64_t seconds_since_2020() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         1577836800;
}

std::string foreign_event(uint64_t seq, uint32_t epoch, int64_t index) {
  EnvelopeBuilder builder("FI", wire::Service::REGISTRY, "probe.event", seq);
  builder.root().setWriterEpoch(epoch);
  builder.init_payload<wire::ProbeEvent>().setIndex(index);
  return builder.encode();
}

}  // namespace

TEST_CASE("every start of an event log begins a new writer epoch, stamped on its events",
          "[replication]") {
  testing::TempDir dir;
  uint32_t first = 0;
  {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
    first = log.epoch();
    CHECK(first >= seconds_since_2020() - 1);  // from the clock, not from 1
    rocksdb::WriteBatch batch;
    auto staged =
        log.append<wire::ProbeEvent>(batch, "probe.event", [](auto event) { event.setIndex(1); });
    REQUIRE(db->commit(batch).ok());
    log.committed();
    CHECK(decoded(staged.bytes).header().writer_epoch == first);
  }
  uint32_t previous = first;
  for (uint64_t start = 2; start <= 3; ++start) {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
    CHECK(log.epoch() > previous);  // restarts within one second still count up
    previous = log.epoch();
    rocksdb::WriteBatch batch;
    auto staged =
        log.append<wire::ProbeEvent>(batch, "probe.event", [](auto event) { event.setIndex(2); });
    CHECK(decoded(staged.bytes).header().writer_epoch == log.epoch());
    CHECK(decoded(staged.bytes).header().origin_seq == start);
    REQUIRE(db->commit(batch).ok());
    log.committed();
    // A redacted copy keeps the epoch its seq was written under.
    rocksdb::WriteBatch redaction;
    // (Copies redacted in the round before are placeholders by now: left alone.)
    std::size_t unredacted = start == 2 ? 2 : 1;
    REQUIRE(log.redact(redaction, "PL", [](const DecodedEnvelope&) { return true; }).value() ==
            unredacted);
    REQUIRE(db->commit(redaction).ok());
    auto first_copy = log.event_at("PL", 1).value();
    REQUIRE(first_copy);
    CHECK(decoded(*first_copy).header().type == wire_type(wire::PLATFORM_REDACTED));
    CHECK(decoded(*first_copy).header().writer_epoch == first);
  }
}

// Outside finding N1: the epoch counter is in the data directory, so a restore put
// it back and the restored node reissued the epoch of the run the restore threw
// away (seq 43 under epoch 3 held two contents, only a byte compare saw it).
TEST_CASE(
    "a log restored from a copy of its directory never reissues an epoch begun after the copy",
    "[replication]") {
  testing::TempDir dir;
  {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
  }
  std::filesystem::copy(dir.path() / "db", dir.path() / "backup",
                        std::filesystem::copy_options::recursive);
  uint32_t lost_run = 0;
  {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    lost_run = replication::EventLog(*db, "PL", wire::Service::REGISTRY).epoch();
  }
  // A restore takes longer than this: the clock is past every epoch the lost run's
  // start took (starts within one second count on from the last, so two seconds).
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  std::filesystem::remove_all(dir.path() / "db");
  std::filesystem::rename(dir.path() / "backup", dir.path() / "db");
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog restored(*db, "PL", wire::Service::REGISTRY);
  CHECK(restored.epoch() != lost_run);
  CHECK(restored.epoch() > lost_run);
}

TEST_CASE("a seq held under one epoch and sent again with other content is kept beside it",
          "[replication]") {
  testing::TempDir dir;
  std::string held = foreign_event(3, 1, 30);
  {
    auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
    replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
    rocksdb::WriteBatch batch;
    log.relay(batch, decoded(held));
    REQUIRE(db->commit(batch).ok());
    log.committed();

    // The same seq, epoch and content: a harmless duplicate.
    CHECK(log.compare(decoded(held)).value() == replication::Held::same);
    // Nothing held at that seq: nothing to compare.
    CHECK(log.compare(decoded(foreign_event(4, 2, 40))).value() == replication::Held::none);

    // The writer was restored and numbered 3 again under epoch 2, with other content.
    std::string again = foreign_event(3, 2, 31);
    CHECK(log.compare(decoded(again)).value() == replication::Held::other);
    rocksdb::WriteBatch conflict;
    CHECK(log.keep_conflict(conflict, decoded(again)).value());
    REQUIRE(db->commit(conflict).ok());
    CHECK(log.conflicts("FI") == 1);
    // The same conflicting content once more is kept already, not counted twice.
    rocksdb::WriteBatch twice;
    CHECK_FALSE(log.keep_conflict(twice, decoded(again)).value());
    // A forgery under the held epoch is a conflict too.
    std::string forged = foreign_event(3, 1, 99);
    CHECK(log.compare(decoded(forged)).value() == replication::Held::other);
    rocksdb::WriteBatch third;
    CHECK(log.keep_conflict(third, decoded(forged)).value());
    REQUIRE(db->commit(third).ok());
    CHECK(log.conflicts("FI") == 2);
    CHECK(log.conflicts_total() == 2);
    // The held copy was never overwritten.
    CHECK(*log.event_at("FI", 3).value() == held);
  }
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog reopened(*db, "PL", wire::Service::REGISTRY);
  CHECK(reopened.conflicts("FI") == 2);  // counted at open
  CHECK(*reopened.event_at("FI", 3).value() == held);
  CHECK(reopened.head("FI") == 3);
}

TEST_CASE("a placeholder held or received is no conflict", "[replication]") {
  testing::TempDir dir;
  auto db = store::Store::open(dir.path() / "db", replication::event_log_column_families());
  replication::EventLog log(*db, "PL", wire::Service::REGISTRY);
  rocksdb::WriteBatch batch;
  log.relay(batch, decoded(foreign_event(1, 1, 10)));
  REQUIRE(db->commit(batch).ok());
  log.committed();
  rocksdb::WriteBatch redaction;
  REQUIRE(log.redact(redaction, "FI", [](const DecodedEnvelope&) { return true; }).value() == 1);
  REQUIRE(db->commit(redaction).ok());
  // The original content, late from another path, meets the redacted copy.
  CHECK(log.compare(decoded(foreign_event(1, 1, 10))).value() == replication::Held::none);
}

namespace {

// A registry over a throwaway store: the home node, or its restored copy.
struct Home {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", registry::registry_column_families());
  replication::EventLog log{*db, "PL", wire::Service::REGISTRY};
  registry::LanguageCodes languages{std::set<std::string>{"en", "pl"}};
  registry::Registry core{
      *db,
      log,
      {"registry", "test", "PL", wire::Service::REGISTRY},
      {"PL", config::default_members(), &languages, [] { return std::string("2026-11-30"); }}};

  template <class Payload, class Fill>
  DecodedEnvelope request(const std::string& type, Fill&& fill) {
    EnvelopeBuilder builder("PL", wire::Service::CTL, type);
    fill(builder.init_payload<Payload>());
    return decoded(builder.encode());
  }

  void commit() {
    auto batch = core.seal();
    REQUIRE(db->commit(batch).ok());
    log.committed(core.in_flight_events());
    core.landed();
  }

  std::vector<std::string> events_after(uint64_t after) {
    return log.read_after("PL", after, 1000, 1 << 20).value().events;
  }
};

transport::Identity broker{"alice", config::Role::broker};

std::string register_org(Home& home, const std::string& name) {
  auto reg = home.request<wire::OrgWrite>("registry.org.register", [&](auto w) {
    auto org = w.initOrganisation();
    org.setLegalName(name);
    org.setCountry("PL");
    org.setRegion("PL42");
    org.setType(wire::OrgType::SME);
    org.setHeadcount(8);
    org.initNaceCodes(1).set(0, "28.99");
    org.initLanguages(1).set(0, "pl");
    auto contact = org.initContacts(1)[0];
    contact.setName("Anna Nowak");
    contact.setEmail("anna@example.pl");
  });
  auto reply = home.core.register_org({broker, reg}, false);
  REQUIRE(reply.ok());
  return decoded(reply.value()).payload<wire::OrgReply>().getOrganisation().getId();
}

std::string publish_profile(Home& home, const std::string& owner) {
  auto submit = home.request<wire::ProfileWrite>("registry.profile.submit", [&](auto w) {
    auto p = w.initProfile();
    p.setOwnerId(owner);
    p.setKind(wire::ProfileKind::BUSINESS_REQUEST);
    p.setTitle("Distributor wanted in Finland");
    p.setSummary("Collaborative robot grippers need a distributor.");
    p.setExpiresOn("2026-12-15");
  });
  auto submitted = home.core.submit_profile({broker, submit});
  REQUIRE(submitted.ok());
  std::string id = decoded(submitted.value()).payload<wire::ProfileReply>().getProfile().getId();
  auto publish = home.request<wire::ProfileTransition>("registry.profile.transition", [&](auto t) {
    t.setProfileId(id);
    t.setAction(wire::ProfileTransition::Action::PUBLISH);
  });
  REQUIRE(home.core.transition_profile({broker, publish}).ok());
  return id;
}

std::optional<std::string> stored(Home& home, const char* cf, const std::string& key) {
  return home.db->get(home.db->cf(cf), key).value();
}

}  // namespace

TEST_CASE("a restored registry takes its own public events back as its own", "[registry]") {
  Home home;  // what the node was before the restore, as its peers hold its events
  Home restored;
  std::string kept = register_org(home, "Kept Robotics");
  std::string erased = register_org(home, "Erased Optics");
  home.commit();
  // The backup was taken here: the restored copy has what these events said (its
  // own records of them, rebuilt here from the events for the test's sake).
  auto before = home.events_after(0);
  for (const auto& bytes : before) REQUIRE(restored.core.restore_own_event(decoded(bytes)).ok());
  restored.commit();
  REQUIRE(restored.log.head("PL") == before.size());
  REQUIRE(stored(restored, registry::kOrgs, erased));

  std::string profile = publish_profile(home, kept);
  home.commit();
  auto erase = home.request<wire::OrgErase>("registry.org.erase", [&](auto e) {
    e.setId(erased);
    e.setReason("GDPR art. 17 request");
  });
  REQUIRE(home.core.erase_org({broker, erase}).ok());
  home.commit();
  std::string later = register_org(home, "Later Foods");
  home.commit();

  uint64_t head_before = restored.log.head("PL");
  auto missing = home.events_after(head_before);
  REQUIRE(missing.size() >= 4);
  restored.core.pause_writes(true);
  for (const auto& bytes : missing) REQUIRE(restored.core.restore_own_event(decoded(bytes)).ok());
  restored.commit();
  restored.core.pause_writes(false);

  // The log holds the peers' bytes at their numbers.
  CHECK(restored.log.head("PL") == home.log.head("PL"));
  for (uint64_t seq = head_before + 1; seq <= home.log.head("PL"); ++seq) {
    CHECK(*restored.log.event_at("PL", seq).value() == *home.log.event_at("PL", seq).value());
  }
  // Public part rebuilt; what only the home node held (contacts) is not.
  auto later_org = stored(restored, registry::kOrgs, later);
  REQUIRE(later_org);
  auto org = store::StoredValue<wire::Organisation>::parse(*later_org);
  REQUIRE(org);
  CHECK(std::string(org->get().getRegion()) == "PL42");
  CHECK(org->get().getContacts().size() == 0);
  CHECK(restored.core.restored_public_only() >= 1);
  CHECK(stored(restored, registry::kProfiles, profile));
  CHECK(restored.core.profiles_published() == 1);
  // The erasure applies again to the copy the backup brought back.
  auto gone = store::StoredValue<wire::Organisation>::parse(
      stored(restored, registry::kOrgs, erased).value());
  REQUIRE(gone);
  CHECK(gone->get().getErased());
  CHECK(restored.core.organisations() == 2);
  // Numbers go on past every recovered id: no id is handed out twice.
  std::string next = register_org(restored, "Next Steel");
  CHECK(next == "PL-000004");
  CHECK(publish_profile(restored, next) == "BRPL20261130002");
  auto staged = restored.core.staged_events();
  REQUIRE_FALSE(staged.empty());
  CHECK(staged.front().seq == home.log.head("PL") + 1);
  CHECK(decoded(staged.front().bytes).header().writer_epoch == restored.log.epoch());
}
