// gosmartctl's status verdicts and tables, its command dispatch, and the Prometheus
// text of a health reply.
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "common/service/metrics_http.hpp"
#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/dispatch.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/status.hpp"
#include "tools/gosmartctl/table.hpp"

using namespace gosmart;
using namespace gosmart::ctl;

namespace {

ServiceStatus up(const std::string& node, const std::string& service, bool own) {
  ServiceStatus s;
  s.node = node;
  s.service = service;
  s.own = own;
  s.up = true;
  s.healthy = true;
  s.peers = {{"FI", "alive", 0, 0, 0.2}};
  return s;
}

}  // namespace

TEST_CASE("status: healthy 0, degraded 1, this node down 2", "[ctl]") {
  StatusReport report;
  report.services = {up("PL", "registry", true), up("PL", "matching", true),
                     up("FI", "registry", false)};
  CHECK(report.exit_code() == 0);
  CHECK(std::string(report.verdict()) == "healthy");

  auto lagging = report;
  lagging.services[0].peers[0].lag_events = kLagEventsDegraded + 1;
  CHECK(lagging.exit_code() == 1);
  auto slow = report;
  slow.services[2].peers[0].lag_s = kLagSecondsDegraded + 1;
  CHECK(slow.exit_code() == 1);
  auto evasive = report;
  evasive.services[0].peers[0].state = "evasive";
  CHECK(evasive.exit_code() == 1);
  auto other_down = report;
  other_down.services[2].up = false;
  other_down.services[2].failure = "unreachable";
  CHECK(other_down.exit_code() == 1);
  auto unhealthy = report;
  unhealthy.services[1].healthy = false;
  CHECK(unhealthy.exit_code() == 1);
  auto own_down = report;
  own_down.services[1].up = false;
  CHECK(own_down.exit_code() == 2);
  CHECK(std::string(own_down.verdict()) == "down");

  auto json = other_down.to_json();
  CHECK(json["health"] == "degraded");
  CHECK(json["services"][2]["failure"] == "unreachable");
  CHECK(json["services"][0]["peers"][0]["state"] == "alive");

  std::ostringstream text;
  other_down.print(text, false);
  CHECK(text.str().find("down (unreachable)") != std::string::npos);
  CHECK(text.str().find("\033[") == std::string::npos);  // no colour unless asked
  std::ostringstream coloured;
  other_down.print(coloured, true);
  CHECK(coloured.str().find("\033[31m") != std::string::npos);
}

TEST_CASE("status: a regressed peer and a restored node are shown and degrade", "[ctl]") {
  StatusReport report;
  report.services = {up("PL", "registry", true), up("FI", "registry", false)};
  REQUIRE(report.exit_code() == 0);

  auto regressed = report;
  regressed.services[1].peers[0].regressed = true;
  CHECK(regressed.exit_code() == 1);
  std::ostringstream regressed_text;
  regressed.print(regressed_text, false);
  CHECK(regressed_text.str().find("FI registry <- FI: regressed") != std::string::npos);
  CHECK(regressed.to_json()["services"][1]["peers"][0]["regressed"] == true);

  auto conflicts = report;
  conflicts.services[0].peers[0].epoch_conflicts = 3;
  CHECK(conflicts.exit_code() == 0);  // kept and shown, not a state that passes
  std::ostringstream conflict_text;
  conflicts.print(conflict_text, false);
  CHECK(conflict_text.str().find("3 sequence numbers came again with other content") !=
        std::string::npos);

  auto restored = report;
  restored.services[0].restore = {"recovered", 4, 10, 10, 6, 5};
  CHECK(restored.exit_code() == 1);
  std::ostringstream restored_text;
  restored.print(restored_text, false);
  CHECK(restored_text.str().find("its head was #4, peers held up to #10; #5..#10 (6 events) "
                                 "fetched back") != std::string::npos);
  CHECK(restored_text.str().find("5 organisations rebuilt") != std::string::npos);
  auto json = restored.to_json();
  CHECK(json["services"][0]["restore"]["recovered_events"] == 6);
  CHECK_FALSE(json["services"][1].contains("restore"));
}

TEST_CASE("tables pad by characters, not bytes", "[ctl]") {
  Table table({"NAME", "X"});
  table.add({"Łódź", "1"});
  table.add({"Lodz", "2"});
  std::ostringstream out;
  table.print(out, false);
  CHECK(out.str() == "NAME  X\nŁódź  1\nLodz  2\n");
  CHECK(display_width("Łódź") == 4);
}

TEST_CASE("the Prometheus text carries every health figure with its labels", "[ctl]") {
  capnp::MallocMessageBuilder message;
  auto health = message.initRoot<wire::HealthReply>();
  health.setService("registry");
  health.setCountry("PL");
  health.setHealthy(true);
  health.setUptimeS(42);
  health.setLastSeqWritten(7);
  auto applied = health.initApplied(1);
  applied[0].setOrigin("FI");
  applied[0].setLastSeq(5);
  auto peers = health.initPeers(1);
  peers[0].setName("FI");
  peers[0].setState(wire::PeerStatus::State::EVASIVE);
  peers[0].setLagEvents(3);
  peers[0].setLastSeenMsAgo(2500);
  peers[0].setLagMs(1500);
  auto metrics = health.initMetrics(2);
  metrics[0].setName("registry.organisations");
  metrics[0].setValue(12);
  metrics[1].setName("platform.events_rejected");
  metrics[1].setValue(4);
  metrics[1].setCounter(true);
  auto text = service::prometheus_text(health.asReader());
  const std::string labels = "{service=\"registry\",country=\"PL\"";
  CHECK(text.find("gosmart_up" + labels + "} 1\n") != std::string::npos);
  CHECK(text.find("gosmart_uptime_seconds" + labels + "} 42\n") != std::string::npos);
  CHECK(text.find("gosmart_applied_seq" + labels + ",origin=\"FI\"} 5\n") != std::string::npos);
  CHECK(text.find("gosmart_peer_up" + labels + ",peer=\"FI\"} 0\n") != std::string::npos);
  CHECK(text.find("gosmart_peer_lag_events" + labels + ",peer=\"FI\"} 3\n") != std::string::npos);
  CHECK(text.find("gosmart_peer_lag_seconds" + labels + ",peer=\"FI\"} 1.5\n") !=
        std::string::npos);
  CHECK(text.find("gosmart_peer_last_seen_seconds" + labels + ",peer=\"FI\"} 2.5\n") !=
        std::string::npos);
  CHECK(text.find("gosmart_registry_organisations" + labels + "} 12\n") != std::string::npos);
  CHECK(text.find("# TYPE gosmart_registry_organisations gauge\n") != std::string::npos);
  // A count since the start is a counter, named as Prometheus names them.
  CHECK(text.find("# TYPE gosmart_platform_events_rejected_total counter\n") != std::string::npos);
  CHECK(text.find("gosmart_platform_events_rejected_total" + labels + "} 4\n") !=
        std::string::npos);
  CHECK(text.find("gosmart_platform_events_rejected{") == std::string::npos);
  // One HELP/TYPE per family, however many peers.
  auto first = text.find("# TYPE gosmart_peer_up");
  CHECK(text.find("# TYPE gosmart_peer_up", first + 1) == std::string::npos);
}

TEST_CASE("the command given runs, not the group above it", "[ctl]") {
  // CLI11 calls a parent's callback after its subcommand's: the parent must not take over.
  Dispatch dispatch;
  CLI::App app;
  auto* parent = app.add_subcommand("match");
  auto* child = parent->add_subcommand("search");
  dispatch.offline(parent, [](const Options&) { return 10; });
  dispatch.offline(child, [](const Options&) { return 20; });
  app.parse("match search");
  CHECK(dispatch.run({}) == 20);

  Dispatch alone;
  CLI::App app2;
  auto* parent2 = app2.add_subcommand("match");
  auto* child2 = parent2->add_subcommand("search");
  alone.offline(parent2, [](const Options&) { return 10; });
  alone.offline(child2, [](const Options&) { return 20; });
  app2.parse("match");
  CHECK(alone.run({}) == 10);

  Dispatch none;
  CHECK_THROWS_AS(none.run({}), CtlError);
}

TEST_CASE("an online command needs --config", "[ctl]") {
  Dispatch dispatch;
  CLI::App app;
  auto* status = app.add_subcommand("status");
  dispatch.online(status, [](Session&) { return 0; });
  app.parse("status");
  try {
    (void)dispatch.run({});
    FAIL("ran without a config");
  } catch (const CtlError& e) {
    CHECK(e.exit_code() == 1);
    CHECK(std::string(e.what()) == "--config NODE.toml is required");
  }
}

TEST_CASE("JSON given to a command keeps every \\u escape's character", "[ctl]") {
  // Outside findings: "\u00e9" came out as "I" (Cap'n Proto 0.9's JSON reader and
  // the hex letters a-f); Python's json.dumps writes such escapes by default.
  capnp::MallocMessageBuilder message;
  auto org = message.initRoot<gosmart::wire::Organisation>();
  gosmart::ctl::fill_from_json(
      R"({"legalName": "Caf\u00e9 \u0141\u00f3d\u017a \u00c6r\u00f8 \u0160iauli\u0173", "city": "Gda\u0144sk"})",
      org, "--data");
  CHECK(std::string(org.getLegalName().cStr()) == "Café Łódź Ærø Šiaulių");
  CHECK(std::string(org.getCity().cStr()) == "Gdańsk");
  CHECK_THROWS_AS(gosmart::ctl::fill_from_json("{not json", org, "--data"), gosmart::ctl::CtlError);
}
