#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/config/config.hpp"
#include "common/config/node_file.hpp"
#include "common/core/curve.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using Catch::Matchers::Contains;

namespace {

struct ConfigFixture {
  testing::TempDir dir;
  curve::CurveKeyPair keys = curve::generate_keypair();
  curve::CurveKeyPair peer = curve::generate_keypair();

  ConfigFixture() {
    std::ofstream(dir.path() / "node.secret") << keys.secret_key << "\n";
    ::chmod((dir.path() / "node.secret").c_str(), 0600);
  }
  std::string base() const {
    return "[node]\ncountry = \"PL\"\ndata_dir = \"data\"\n"
           "[keys]\npublic = \"" +
           keys.public_key + "\"\nsecret_file = \"node.secret\"\n";
  }
  config::NodeConfig parse(const std::string& extra) const {
    return config::parse_config(base() + extra, dir.path());
  }
};

}  // namespace

TEST_CASE("a complete node config parses", "[config]") {
  ConfigFixture f;
  auto cfg = f.parse(
      "[services.registry]\napi = \"tcp://127.0.0.1:7001\"\nevents = \"tcp://127.0.0.1:7002\"\n"
      "[limits]\nheartbeat_ms = 250\n"
      "[registry]\nmax_open_eois_per_org = 3\n"
      "[[peers]]\ncountry = \"FI\"\npublic_key = \"" +
      f.peer.public_key +
      "\"\n[peers.services.registry]\nsync = \"tcp://127.0.0.1:8003\"\n"
      "[[clients]]\nname = \"alice\"\nrole = \"broker\"\npublic_key = \"" +
      f.peer.public_key + "\"\n");
  CHECK(cfg.country == "PL");
  CHECK(cfg.secret_key == f.keys.secret_key);
  CHECK(cfg.data_dir == f.dir.path() / "data");
  CHECK(cfg.service("registry").endpoints.api == "tcp://127.0.0.1:7001");
  CHECK(cfg.service("registry").data_dir == f.dir.path() / "data" / "registry");
  CHECK(cfg.limits.heartbeat_ms == 250);
  CHECK(cfg.section("registry").integer("max_open_eois_per_org", 1, 10) == 3);
  REQUIRE(cfg.peer("FI") != nullptr);
  REQUIRE(cfg.peer("FI")->service("registry") != nullptr);
  CHECK(cfg.peer("FI")->service("registry")->sync == "tcp://127.0.0.1:8003");
  CHECK(cfg.peer("FI")->service("matching") == nullptr);
  CHECK(cfg.clients.at(0).role == config::Role::broker);
  CHECK(cfg.members.size() == 7);
}

TEST_CASE("config errors name the key", "[config]") {
  ConfigFixture f;
  CHECK_THROWS_WITH(f.parse("[limits]\nheartbeat_msec = 5\n"),
                    Contains("limits.heartbeat_msec: unknown key"));
  CHECK_THROWS_WITH(f.parse("[services.registry]\napi = 7\n"),
                    Contains("services.registry.api: must be a string"));
  CHECK_THROWS_WITH(f.parse("[services.registry]\napi = \"http://x\"\n"),
                    Contains("services.registry.api"));
  // Config knows nodes, not services: any well-formed name is a service, and its
  // keys are still checked.
  CHECK_THROWS_WITH(f.parse("[services.Search]\napi = \"tcp://127.0.0.1:1\"\n"),
                    Contains("services.Search: is not a service name"));
  CHECK_THROWS_WITH(f.parse("[services.limits]\napi = \"tcp://127.0.0.1:1\"\n"),
                    Contains("services.limits: is not a service name"));
  CHECK_THROWS_WITH(f.parse("[services.search]\nendpoint = \"tcp://127.0.0.1:1\"\n"),
                    Contains("services.search.endpoint: unknown key"));
  // A top-level table that is neither the node's nor one of its services'.
  CHECK_THROWS_WITH(f.parse("[matchng]\ntop_k = 3\n"), Contains("matchng: unknown key"));
  CHECK_THROWS_WITH(config::parse_config("matching = 3\n" + f.base() +
                                             "[services.matching]\napi = \"tcp://127.0.0.1:1\"\n",
                                         f.dir.path()),
                    Contains("matching: must be a table"));
  CHECK_THROWS_WITH(
      f.parse("[[peers]]\ncountry = \"FI\"\npublic_key = \"" + f.peer.public_key +
              "\"\nregistry_api = \"tcp://127.0.0.1:1\"\n"),
      Contains("peers[0].registry_api: unknown key") && Contains("[peers.services.<service>]"));
  CHECK_THROWS_WITH(f.parse("[[peers]]\ncountry = \"FI\"\npublic_key = \"" + f.peer.public_key +
                            "\"\n[peers.services.registry]\napi = \"http://x\"\n"),
                    Contains("peers[0].services.registry.api"));
  CHECK_THROWS_WITH(f.parse("[[peers]]\ncountry = \"FI\"\npublic_key = \"" + f.peer.public_key +
                            "\"\n[peers.services.registry]\nsink = \"tcp://127.0.0.1:1\"\n"),
                    Contains("peers[0].services.registry.sink: unknown key"));
  CHECK_THROWS_WITH(f.parse("[limits]\nmax_message_bytes = 10\n"),
                    Contains("limits.max_message_bytes: must be between"));
  CHECK_THROWS_WITH(
      f.parse("[[peers]]\ncountry = \"US\"\npublic_key = \"" + f.peer.public_key + "\"\n"),
      Contains("peers[0].country: 'US' is not a federation member"));
  CHECK_THROWS_WITH(f.parse("[[peers]]\ncountry = \"FI\"\npublic_key = \"short\"\n"),
                    Contains("peers[0].public_key"));
  CHECK_THROWS_WITH(f.parse("[[clients]]\nname = \"x\"\nrole = \"root\"\npublic_key = \"" +
                            f.peer.public_key + "\"\n"),
                    Contains("clients[0].role"));
  CHECK_THROWS_WITH(
      f.parse("[[peers]]\ncountry = \"PL\"\npublic_key = \"" + f.peer.public_key + "\"\n"),
      Contains("a node is not its own peer"));
  CHECK_THROWS_WITH(
      config::parse_config("[node]\ncountry = \"XX\"\ndata_dir = \"d\"\n", f.dir.path()),
      Contains("node.country: 'XX' is not a federation member"));
  CHECK_THROWS_WITH(f.parse("[node\n"), Contains("line"));
}

TEST_CASE("federation members come from config", "[config]") {
  ConfigFixture f;
  auto cfg = f.parse(
      "[federation]\nmembers = [\"PL\", \"FI\", \"SE\"]\n[[peers]]\ncountry = \"SE\"\n"
      "public_key = \"" +
      f.peer.public_key + "\"\n");
  CHECK(cfg.is_member("SE"));
  CHECK_FALSE(cfg.is_member("DE"));
}

TEST_CASE("a secret key file readable by others is refused", "[config]") {
  ConfigFixture f;
  ::chmod((f.dir.path() / "node.secret").c_str(), 0644);
  CHECK_THROWS_WITH(f.parse(""), Contains("keys.secret_file") && Contains("chmod 600"));
}

TEST_CASE("config file that does not exist is a clear error", "[config]") {
  CHECK_THROWS_WITH(config::load_config("/nonexistent/node.toml"),
                    Contains("cannot read '/nonexistent/node.toml'"));
}

TEST_CASE("a service's own table is kept for the service, which checks it", "[config]") {
  ConfigFixture f;
  auto cfg = f.parse(
      "[services.matching]\napi = \"tcp://127.0.0.1:7001\"\n"
      "[matching]\ntop_k = 3\nthreshold = 0.5\nbroker_approval = true\n"
      "[matching.weights]\ntext = 1\n");
  auto matching = cfg.section("matching");
  CHECK(matching.integer("top_k", 1, 100) == 3);
  CHECK(matching.fraction("threshold") == 0.5);
  CHECK(matching.boolean("broker_approval") == true);
  CHECK_FALSE(matching.boolean("transnational").has_value());
  auto weights = matching.table("weights");
  CHECK(weights.fraction("text") == 1.0);
  CHECK_NOTHROW(weights.finish());
  CHECK_NOTHROW(matching.finish());
  CHECK(cfg.section("registry").empty());

  auto unread = cfg.section("matching");
  unread.integer("top_k", 1, 100);
  unread.boolean("broker_approval");
  unread.table("weights");
  CHECK_THROWS_WITH(unread.finish(), Contains("matching.threshold: unknown key"));
  auto strict = cfg.section("matching");
  CHECK_THROWS_WITH(strict.integer("top_k", 5, 100), Contains("matching.top_k: must be between"));
  CHECK_THROWS_WITH(strict.string("threshold"), Contains("matching.threshold: must be a string"));
  CHECK_THROWS_WITH(strict.table("top_k"), Contains("matching.top_k: must be a table"));
}

TEST_CASE("a service may hold a key and a role of its own", "[config]") {
  ConfigFixture f;
  auto own = curve::generate_keypair();
  std::ofstream(f.dir.path() / "notifier.secret") << own.secret_key << "\n";
  ::chmod((f.dir.path() / "notifier.secret").c_str(), 0600);
  auto cfg =
      f.parse("[services.notifier]\napi = \"tcp://127.0.0.1:7001\"\npublic_key = \"" +
              own.public_key + "\"\nsecret_file = \"notifier.secret\"\nrole = \"integration\"\n");
  const auto& notifier = cfg.service("notifier");
  REQUIRE(notifier.keys.has_value());
  CHECK(notifier.keys->public_key == own.public_key);
  CHECK(notifier.keys->secret_key == own.secret_key);
  CHECK(notifier.role == config::Role::integration);
  CHECK_FALSE(cfg.service("notifier").endpoints.api.empty());
  CHECK_THROWS_WITH(f.parse("[services.notifier]\npublic_key = \"" + own.public_key + "\"\n"),
                    Contains("services.notifier.secret_file: is required"));
  CHECK_THROWS_WITH(f.parse("[services.notifier]\nrole = \"peer\"\n"),
                    Contains("services.notifier.role"));
}

TEST_CASE("the node file writer writes what the parser reads back", "[config]") {
  ConfigFixture f;
  config::NodeFile file;
  file.comment = "written by a test";
  file.country = "PL";
  file.members = {"PL", "FI", "SE"};
  file.public_key = f.keys.public_key;
  file.limits.heartbeat_ms = 250;
  config::ServiceEntry registry{"registry", {"tcp://127.0.0.1:7001", "tcp://127.0.0.1:7002", ""}};
  registry.metrics_port = 9100;
  file.services = {registry};
  file.peers = {{"SE", f.peer.public_key, {{"registry", {"tcp://[::1]:1", "", ""}}}}};
  file.clients = {{"al\"ice", config::Role::broker, f.peer.public_key}};
  file.service_settings = "[registry]\nmax_open_eois_per_org = 4\n";
  config::write_node_file(f.dir.path() / "node.toml", file);
  auto cfg = config::load_config(f.dir.path() / "node.toml");
  CHECK(cfg.country == "PL");
  CHECK(cfg.members == std::vector<std::string>{"PL", "FI", "SE"});
  CHECK(cfg.limits.heartbeat_ms == 250);
  CHECK(cfg.limits.peer_expired_ms == config::Limits{}.peer_expired_ms);
  CHECK(cfg.service("registry").endpoints.events == "tcp://127.0.0.1:7002");
  CHECK(cfg.service("registry").endpoints.sync.empty());
  CHECK(cfg.service("registry").metrics_port == 9100);
  CHECK(cfg.peer("SE")->service("registry")->api == "tcp://[::1]:1");
  CHECK(cfg.clients.at(0).name == "al\"ice");
  CHECK(cfg.section("registry").integer("max_open_eois_per_org", 1, 10) == 4);
}
