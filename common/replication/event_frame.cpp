#include "common/replication/event_frame.hpp"

#include <cstring>

#include "common/replication/event_log.hpp"

namespace gosmart::replication {
namespace {

constexpr std::size_t kMaxTypeBytes = 64;
constexpr uint32_t kMaxSegments = 512;

uint32_t read_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

std::string event_label(std::string_view origin, std::string_view type) {
  std::string label;
  label.reserve(origin.size() + 1 + type.size());
  label.append(origin).push_back(':');
  label.append(type);
  return label;
}

std::string event_frame(std::string_view label, std::string_view envelope) {
  std::string frame;
  frame.reserve(label.size() + 1 + envelope.size());
  frame.append(label);
  frame.push_back('\0');
  frame.append(envelope);
  return frame;
}

std::optional<SplitFrame> split_event_frame(std::span<const uint8_t> frame) {
  const void* zero = std::memchr(frame.data(), 0, std::min(frame.size(), kMaxTypeBytes + 1));
  if (!zero) return std::nullopt;
  auto label_size = static_cast<std::size_t>(static_cast<const uint8_t*>(zero) - frame.data());
  std::string_view label(reinterpret_cast<const char*>(frame.data()), label_size);
  SplitFrame split{{}, label, frame.subspan(label_size + 1)};
  if (label.size() > 3 && label[2] == ':') {
    split.origin = label.substr(0, 2);
    split.type = label.substr(3);
  }
  return split;
}

std::optional<std::size_t> flat_message_size(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) return std::nullopt;
  uint64_t segments = static_cast<uint64_t>(read_le32(bytes.data())) + 1;
  if (segments > kMaxSegments) return std::nullopt;
  uint64_t table_bytes = (4 + 4 * segments + 7) / 8 * 8;
  if (bytes.size() < table_bytes) return std::nullopt;
  uint64_t total = table_bytes;
  for (uint64_t i = 0; i < segments; ++i) {
    total += static_cast<uint64_t>(read_le32(bytes.data() + 4 + 4 * i)) * 8;
    if (total > bytes.size()) return std::nullopt;
  }
  return static_cast<std::size_t>(total);
}

bool split_envelopes(std::span<const uint8_t> envelopes,
                     std::vector<std::span<const uint8_t>>& out) {
  while (!envelopes.empty()) {
    auto size = flat_message_size(envelopes);
    if (!size || *size == 0) return false;
    out.push_back(envelopes.first(*size));
    envelopes = envelopes.subspan(*size);
  }
  return true;
}

std::vector<std::string> pack_event_frames(const std::vector<StagedEvent>& events,
                                           std::size_t max_bytes) {
  std::vector<std::string> frames;
  const StagedEvent* run = nullptr;  // the first event of the last frame
  for (const auto& event : events) {
    bool fits = run && event.topic == run->topic && event.origin == run->origin &&
                frames.back().size() + event.bytes.size() <= max_bytes;
    if (fits) {
      frames.back().append(event.bytes);
    } else {
      frames.push_back(event_frame(event_label(event.origin, event.topic), event.bytes));
      run = &event;
    }
  }
  return frames;
}

}  // namespace gosmart::replication
