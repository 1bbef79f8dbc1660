#pragma once
// Key encodings: big-endian integers so RocksDB's byte order is numeric order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gosmart::store::keys {

inline void append_u64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

inline std::string u64(uint64_t value) {
  std::string out;
  append_u64(out, value);
  return out;
}

inline std::optional<uint64_t> read_u64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

// "PL" + seq: the event log and the cursors are keyed by origin, then sequence.
inline std::string origin_seq(std::string_view origin, uint64_t seq) {
  std::string out(origin);
  append_u64(out, seq);
  return out;
}

struct OriginSeq {
  std::string origin;
  uint64_t seq = 0;
};

inline std::optional<OriginSeq> read_origin_seq(std::string_view key) {
  if (key.size() != 10) return std::nullopt;
  auto seq = read_u64(key.substr(2));
  if (!seq) return std::nullopt;
  return OriginSeq{std::string(key.substr(0, 2)), *seq};
}

}  // namespace gosmart::store::keys
