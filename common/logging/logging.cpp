#include "common/logging/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <stdexcept>

namespace gosmart::logging {
namespace {

// The message (%v), written through `Escape`: spdlog does not escape it. In JSON a
// quote would break the line; in a human line a line break quoted from a client or
// peer (an id, a type) would forge a log line of its own (outside finding N6 of
// issue 11), so control characters are written escaped there.
template <std::string (*Escape)(std::string_view)>
class EscapedMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto escaped = Escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>();
  }
};
using JsonMessageFlag = EscapedMessageFlag<json_escape>;
using HumanMessageFlag = EscapedMessageFlag<escape_controls>;

std::unique_ptr<spdlog::formatter> make_formatter(Format format) {
  if (format == Format::json) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","service":"%n","pid":%P,"msg":"%*"})");
    return formatter;
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<HumanMessageFlag>('*').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %n[%P] %*");
  return formatter;
}

}  // namespace

Format parse_format(const std::string& text) {
  if (text == "human") return Format::human;
  if (text == "json") return Format::json;
  throw std::invalid_argument("log format must be \"human\" or \"json\", got \"" + text + "\"");
}

std::string escape_controls(std::string_view text) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

void init_with_sink(const std::string& service, const std::string& level, Format format,
                    spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(service, std::move(sink));
  logger->set_formatter(make_formatter(format));
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level \"" + level + "\"");
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void init(const std::string& service, const std::string& level, Format format) {
  init_with_sink(service, level, format, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
}

}  // namespace gosmart::logging
