#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/config/config.hpp"
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
      "[limits]\nheartbeat_ms = 250\nmax_open_eois_per_org = 3\n"
      "[[peers]]\ncountry = \"FI\"\npublic_key = \"" +
      f.peer.public_key +
      "\"\nregistry_sync = \"tcp://127.0.0.1:8003\"\n"
      "[[clients]]\nname = \"alice\"\nrole = \"broker\"\npublic_key = \"" +
      f.peer.public_key + "\"\n");
  CHECK(cfg.country == "PL");
  CHECK(cfg.secret_key == f.keys.secret_key);
  CHECK(cfg.data_dir == f.dir.path() / "data");
  CHECK(cfg.service("registry").endpoints.api == "tcp://127.0.0.1:7001");
  CHECK(cfg.service("registry").data_dir == f.dir.path() / "data" / "registry");
  CHECK(cfg.limits.heartbeat_ms == 250);
  CHECK(cfg.limits.max_open_eois_per_org == 3);
  REQUIRE(cfg.peer("FI") != nullptr);
  CHECK(cfg.peer("FI")->registry.sync == "tcp://127.0.0.1:8003");
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
  CHECK_THROWS_WITH(f.parse("[services.search]\napi = \"tcp://127.0.0.1:1\"\n"),
                    Contains("services.search: unknown service"));
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
