#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

TEST_CASE("a bad config stops the process with the key named", "[system][config]") {
  testing::TempDir dir;
  auto node = testing::make_node(dir.path(), "PL");
  testing::write_config(node, {}, {}, "[limits]\nheartbeat_msec = 10\n");
  testing::Process probe({testing::binary("gosmart-replication-probe").string(), "writer",
                          "--config", node.config_file.string()},
                         dir.path() / "probe.log");
  CHECK(probe.wait(10s) == 1);
  CHECK(probe.log().find("limits.heartbeat_msec: unknown key") != std::string::npos);
}

TEST_CASE("each service refuses a bad key of its own table, naming it", "[system][config]") {
  testing::TempDir dir;
  auto node = testing::make_node(dir.path(), "PL");
  testing::write_config(node, {}, {}, "[matching]\ntop_n = 3\n[registry]\nmax_open_eois = 3\n");
  for (const auto& [service, key] : {std::pair{"matching", "matching.top_n: unknown key"},
                                     {"registry", "registry.max_open_eois: unknown key"}}) {
    testing::Process process({testing::binary(std::string("gosmart-") + service).string(),
                              "--config", node.config_file.string()},
                             dir.path() / (std::string(service) + ".log"));
    CHECK(process.wait(10s) == 1);
    CHECK(process.log().find(key) != std::string::npos);
  }
}
