#pragma once
// What the request fuzzers print. With GOSMART_FUZZ_VERBOSE set: what each handler
// answered, and the services' logs, to see that a seed corpus reaches the handlers'
// success paths and not only their refusals (a seed that fails validation
// exercises little). Without it the logs are formatted (a bad format string is a
// finding too) into a sink that drops them: thousands of inputs a second would
// otherwise spend their time writing to stderr.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace gosmart::fuzz {

inline bool verbose() {
  static const bool set = std::getenv("GOSMART_FUZZ_VERBOSE") != nullptr;
  return set;
}

inline void discard_logs() {
  if (verbose()) return;
  auto logger =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

inline void report(std::string_view type, const Result<std::string>& reply) {
  if (!verbose()) return;
  std::fprintf(stderr, "  %.*s: %s\n", static_cast<int>(type.size()), type.data(),
               reply.ok() ? "ok" : describe(reply.error()).c_str());
}

}  // namespace gosmart::fuzz
