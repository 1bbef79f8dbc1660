// The registry's national registry id index and its part in the kept replies of
// writes, over a throwaway store, without sockets.
#include <catch2/catch.hpp>

#include "common/envelope/scratch_message.hpp"
#include "services/registry/registry.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;

namespace {

struct Core {
  // A store of its own, or `at` (reopened with `node_secret`, the node's key).
  explicit Core(const std::filesystem::path& at = {}, const std::string& node_secret = "")
      : db(store::Store::open(at.empty() ? dir.path() / "db" : at,
                              registry::registry_column_families())),
        core(*db, log, {"registry", "test", "PL", wire::Service::REGISTRY},
             {"PL", config::default_members(), &languages, [] { return std::string("2026-11-30"); },
              500, 10, 512 * 1024, node_secret}) {}

  testing::TempDir dir;
  std::unique_ptr<store::Store> db;
  replication::EventLog log{*db, "PL", wire::Service::REGISTRY};
  registry::LanguageCodes languages{std::set<std::string>{"en", "pl"}};
  registry::Registry core;
  transport::Identity broker{"alice", config::Role::broker};

  template <class Payload, class Fill>
  DecodedEnvelope request(const std::string& type, Fill&& fill) {
    EnvelopeBuilder builder("PL", wire::Service::CTL, type);
    fill(builder.init_payload<Payload>());
    auto bytes = builder.encode();
    return decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value();
  }

  Result<std::string> write_org(const std::string& id, const std::string& registry_id,
                                std::vector<std::string>* subjects = nullptr) {
    auto envelope = request<wire::OrgWrite>("registry.org.register", [&](auto w) {
      auto org = w.initOrganisation();
      org.setId(id);
      org.setLegalName("Bałtyk Robotics");
      org.setRegistryId(registry_id);
      org.setCountry("PL");
      org.setRegion("PL42");
      org.setType(wire::OrgType::SME);
      org.setHeadcount(8);
      org.initNaceCodes(1).set(0, "28.99");
      org.initLanguages(1).set(0, "pl");
    });
    return core.register_org({broker, envelope, subjects}, !id.empty());
  }

  Result<std::string> erase(const std::string& id) {
    auto envelope = request<wire::OrgErase>("registry.org.erase", [&](auto e) {
      e.setId(id);
      e.setReason("asked by the organisation");
    });
    return core.erase_org({broker, envelope});
  }

  void commit() {
    auto batch = core.seal();
    REQUIRE(db->commit(batch).ok());
    log.committed(core.in_flight_events());
    core.landed();
  }
};

}  // namespace

TEST_CASE("one organisation per national registry id, however it is written", "[registry]") {
  Core c;
  REQUIRE(c.write_org("", "PL 526-104-08-28").ok());
  // Seen in the same batch, before anything is durable.
  auto twin = c.write_org("", "5261040828");
  REQUIRE_FALSE(twin.ok());
  CHECK(twin.error().code == ErrorCode::CONFLICT);
  CHECK(twin.error().field == "registryId");
  CHECK(twin.error().message.find("PL-000001") != std::string::npos);
  c.commit();
  CHECK_FALSE(c.write_org("", "pl5261040828").ok());
  REQUIRE(c.write_org("", "PL1111111111").ok());  // PL-000002
  c.commit();

  // The holder may update itself; another may not take its id; a changed id frees the old.
  CHECK(c.write_org("PL-000001", "5261040828").ok());
  CHECK(c.write_org("PL-000002", "5261040828").error().code == ErrorCode::CONFLICT);
  REQUIRE(c.write_org("PL-000001", "PL9999999999").ok());
  c.commit();
  CHECK(c.write_org("PL-000002", "5261040828").ok());
  c.commit();

  // An erased organisation's id is free again.
  REQUIRE(c.erase("PL-000001").ok());
  c.commit();
  CHECK(c.write_org("", "PL9999999999").ok());
}

TEST_CASE("erasure drops the kept replies that carry the organisation's data", "[registry]") {
  Core c;
  service::IdempotencyStore kept{*c.db, std::chrono::hours(24)};
  c.core.set_idempotency(&kept);
  std::vector<std::string> subjects;
  auto reply = c.write_org("", "", &subjects);
  REQUIRE(reply.ok());
  CHECK(subjects == std::vector<std::string>{"PL-000001"});
  // As the api server keeps it: in the batch of the registration.
  auto key =
      kept.stage(c.core.staged_batch(), "broker:alice", "m1", "request", reply.value(), subjects);
  c.commit();
  kept.settle({key});
  REQUIRE(kept.find("broker:alice", "m1", "request").has_value());

  REQUIRE(c.erase("PL-000001").ok());
  c.commit();
  CHECK_FALSE(kept.find("broker:alice", "m1", "request").has_value());
}

TEST_CASE("the national id index keys hold no registry id and follow a new node key",
          "[registry]") {
  testing::TempDir dir;
  const auto path = dir.path() / "db";
  const std::string id = "PL5261040828";
  auto index_holds_id = [](store::Store& db) {
    auto it = db.iterate(db.cf(registry::kNationalIds));
    std::size_t entries = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++entries;
      auto key = it->key().ToString();
      if (key.find("5261040828") != std::string::npos) return std::string("id in a key");
    }
    return entries >= 2 ? std::string() : std::string("no entry");  // check + the id's
  };
  {
    Core c(path, "node key one");
    REQUIRE(c.write_org("", id).ok());
    c.commit();
    CHECK(index_holds_id(*c.db).empty());
  }
  {
    // The same key: the entry is found again after a restart.
    Core c(path, "node key one");
    CHECK(c.write_org("", "526-104-08-28").error().code == ErrorCode::CONFLICT);
  }
  {
    // A new node key: the index is rebuilt under it, the conflict still seen.
    Core c(path, "node key two");
    CHECK(index_holds_id(*c.db).empty());
    CHECK(c.write_org("", "526-104-08-28").error().code == ErrorCode::CONFLICT);
    REQUIRE(c.erase("PL-000001").ok());
    c.commit();
    CHECK(c.write_org("", id).ok());
  }
}
