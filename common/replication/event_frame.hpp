#pragma once
// One PUB frame per event: "<type>\0<envelope>". SUB prefix filters still match on
// the type, and one CURVE message per event instead of two halves the work of the
// I/O threads (measured: bench/README.md).
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gosmart::replication {

inline std::string event_frame(std::string_view type, std::string_view envelope) {
  std::string frame;
  frame.reserve(type.size() + 1 + envelope.size());
  frame.append(type);
  frame.push_back('\0');
  frame.append(envelope);
  return frame;
}

struct SplitFrame {
  std::string_view type;
  std::span<const uint8_t> envelope;
};

inline std::optional<SplitFrame> split_event_frame(std::span<const uint8_t> frame) {
  const void* zero = std::memchr(frame.data(), 0, std::min<std::size_t>(frame.size(), 65));
  if (!zero) return std::nullopt;
  auto type_size = static_cast<std::size_t>(static_cast<const uint8_t*>(zero) - frame.data());
  return SplitFrame{{reinterpret_cast<const char*>(frame.data()), type_size},
                    frame.subspan(type_size + 1)};
}

}  // namespace gosmart::replication
