#pragma once
// Services log through spdlog only: human lines by default, JSON lines on request.
#include <spdlog/spdlog.h>

#include <string>

namespace gosmart::logging {

enum class Format { human, json };

Format parse_format(const std::string& text);  // "human" | "json"; throws std::invalid_argument

// Installs the default logger, named after the service, writing to stderr.
void init(const std::string& service, const std::string& level, Format format);

// The same, writing into the given sink instead (tests read what was logged).
void init_with_sink(const std::string& service, const std::string& level, Format format,
                    spdlog::sink_ptr sink);

// JSON string escaping for the json format; exposed for tests.
std::string json_escape(std::string_view text);
// Line breaks and other control characters written as \n, \r, \xNN: what a
// message quotes from a client cannot start a line of its own.
std::string escape_controls(std::string_view text);

}  // namespace gosmart::logging
