#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/logging/logging.hpp"

using namespace gosmart;

namespace {
// The tests point the default logger at a local stream; this puts it back on stderr
// before the stream dies, so a later log line in the same process writes nowhere
// dangling. Declare it after the stream.
struct StderrLoggerAtExit {
  ~StderrLoggerAtExit() {
    logging::init_with_sink("test", "info", logging::Format::human,
                            std::make_shared<spdlog::sinks::stderr_sink_mt>());
  }
};
}  // namespace

TEST_CASE("json log lines are valid JSON even for hostile messages", "[logging]") {
  std::ostringstream out;
  StderrLoggerAtExit restore;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  logging::init_with_sink("registry", "debug", logging::Format::json, sink);
  spdlog::info("quote \" backslash \\ newline \n tab \t bell \x07 done");
  spdlog::default_logger()->flush();
  auto line = out.str();
  REQUIRE(!line.empty());
  auto parsed = nlohmann::json::parse(line.substr(0, line.find_last_of('}') + 1));
  CHECK(parsed["level"] == "info");
  CHECK(parsed["service"] == "registry");
  CHECK(parsed["msg"] == "quote \" backslash \\ newline \n tab \t bell \x07 done");
}

TEST_CASE("human log lines carry level and service", "[logging]") {
  std::ostringstream out;
  StderrLoggerAtExit restore;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  logging::init_with_sink("matching", "warn", logging::Format::human, sink);
  spdlog::info("not shown");
  spdlog::warn("shown");
  spdlog::default_logger()->flush();
  CHECK(out.str().find("not shown") == std::string::npos);
  CHECK(out.str().find("matching[") != std::string::npos);
  CHECK(out.str().find("shown") != std::string::npos);
}

// Outside finding N6 of issue 11: a peer's EoI id holding a line break and a fake
// timestamp forged a registry log line of its own.
TEST_CASE("a message quoting a line break cannot forge a human log line", "[logging]") {
  std::ostringstream out;
  StderrLoggerAtExit restore;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  logging::init_with_sink("registry", "info", logging::Format::human, sink);
  spdlog::warn("refused {}",
               "PL-EOI-1\n2026-12-04 14:50:00.000 critical registry[1] FAKE\r\x1b[2J");
  spdlog::default_logger()->flush();
  std::string text = out.str();
  REQUIRE(!text.empty());
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);  // one line, its own end
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("PL-EOI-1\\n2026-12-04") != std::string::npos);
  CHECK(text.find("\\x1b[2J") != std::string::npos);
}

TEST_CASE("bad log settings are refused", "[logging]") {
  CHECK_THROWS(logging::parse_format("xml"));
  StderrLoggerAtExit restore;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr);
  CHECK_THROWS(logging::init_with_sink("x", "loud", logging::Format::human, sink));
}
