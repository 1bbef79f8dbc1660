#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/loopback.hpp"
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

TEST_CASE("a notifier refuses a bad setting by name before it binds a port", "[system][config]") {
  // Outside findings: `link_port = 70000` left a notifier that SIGTERM did not stop,
  // and a bad setting beside a port in use was told as "Address already in use".
  testing::TempDir dir;
  auto node = testing::make_node(dir.path(), "PL");
  node.with_notifier = true;
  std::ofstream(node.dir / "relay.password") << "s3cret\n";
  std::filesystem::permissions(node.dir / "relay.password", std::filesystem::perms(0644));
  const std::string base =
      "[notifier]\nsmtp_url = \"smtp://127.0.0.1:1\"\n"
      "from = \"gosmart@pl.example\"\n";
  const std::string shipped = std::string("templates = \"") + GOSMART_TEST_SUPPORT_DIR +
                              "/../../services/notifier/templates\"\n";
  // Outside findings: a folder with one template started (the other kinds failed
  // message by message), its error exited 2 without naming the key, and a relative
  // folder was looked for in the working directory, not beside the config.
  std::filesystem::create_directories(node.dir / "partial");
  std::ofstream(node.dir / "partial" / "match_found.en.txt") << "A match\n\nHello {{name}}\n";
  // The notifier's api port is taken: a process that bound first would say so.
  auto api_port = std::stoi(node.notifier.api.substr(node.notifier.api.rfind(':') + 1));
  int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(taken >= 0);
  auto at = testing::loopback(api_port);
  REQUIRE(::bind(taken, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
  REQUIRE(::listen(taken, 1) == 0);
  int run = 0;
  for (const auto& [setting, named] :
       {std::pair{shipped + "link_port = 70000\n", std::string("notifier.link_port")},
        {shipped + "smtp_password_file = \"relay.password\"\n", "chmod 600"},
        {shipped + "public_url = \"https://links.pl.example/?x=\"\n", "notifier.public_url"},
        // Outside findings: "http:///n" was taken as http://n, port 0 passed, and a
        // port past 65535 or a space was told as "not an http:// address".
        {shipped + "public_url = \"http:///n\"\n",
         "notifier.public_url: 'http:///n' names no host"},
        {shipped + "public_url = \"https://links.pl.example:0/\"\n", "has port 0"},
        {shipped + "public_url = \"https://links.pl.example:70000/\"\n", "is not a usable address"},
        // Outside findings: this one exited 2, "cannot listen", not naming the key.
        {shipped + "link_port = 8080\nlink_address = \"127.0.0.1.5\"\n",
         "notifier.link_address: '127.0.0.1.5' is not an address to listen on"},
        {"templates = \"partial\"\n", "notifier.templates: " + (node.dir / "partial").string() +
                                          " has no English template for digest, eoi_advanced"}}) {
    testing::write_config(node, {}, {}, base + setting);
    auto log = dir.path() / ("notifier-" + std::to_string(++run) + ".log");
    testing::Process notifier(
        {testing::binary("gosmart-notifier").string(), "--config", node.config_file.string()}, log);
    INFO(setting);
    CHECK(notifier.wait(30s) == 1);
    auto text = notifier.log();
    INFO(text);
    CHECK(text.find(named) != std::string::npos);
    CHECK(text.find("Address already in use") == std::string::npos);
  }
  ::close(taken);
}
