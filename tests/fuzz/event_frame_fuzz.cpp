// PUB frames from a peer are parsed by hand before Cap'n Proto sees a byte:
// split_event_frame finds the label, flat_message_size reads a segment table,
// split_envelopes cuts the rest into messages. On any bytes they must stay inside
// the frame, and their sizes must add up (event_frame.hpp); a size they accept must
// be the one Cap'n Proto itself reads from the table. The input is also packed by
// pack_event_frames and split again, which must give back what went in.
#include <capnp/serialize.h>

#include <cstring>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/replication/event_frame.hpp"
#include "common/replication/event_log.hpp"
#include "tests/fuzz/fuzz_target.hpp"

using namespace gosmart;
using namespace gosmart::replication;

namespace {

// An empty piece is inside anything (its data() may be null).
bool inside(std::span<const uint8_t> piece, std::span<const uint8_t> whole) {
  return piece.empty() || (piece.data() >= whole.data() &&
                           piece.data() + piece.size() <= whole.data() + whole.size());
}

bool inside(std::string_view piece, std::span<const uint8_t> whole) {
  return inside(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()),
      whole);
}

void check_message_size(std::span<const uint8_t> bytes) {
  auto size = flat_message_size(bytes);
  if (!size) return;
  GOSMART_FUZZ_CHECK(*size >= 8 && *size % 8 == 0 && *size <= bytes.size());
  // Cap'n Proto's own reading of the same segment table (on an aligned copy).
  std::vector<capnp::word> words(*size / 8);
  std::memcpy(words.data(), bytes.data(), *size);
  GOSMART_FUZZ_CHECK(capnp::expectedSizeInWordsFromPrefix(
                         kj::ArrayPtr<const capnp::word>(words.data(), words.size())) == *size / 8);
}

void check_split(std::span<const uint8_t> envelopes) {
  std::vector<std::span<const uint8_t>> pieces;
  bool whole = split_envelopes(envelopes, pieces);
  std::size_t total = 0;
  for (auto piece : pieces) {
    GOSMART_FUZZ_CHECK(!piece.empty() && inside(piece, envelopes));
    GOSMART_FUZZ_CHECK(piece.data() == envelopes.data() + total);  // consecutive, no gap
    GOSMART_FUZZ_CHECK(flat_message_size(piece) == piece.size());
    check_message_size(piece);
    total += piece.size();
    // What the subscriber does next with each piece: must not crash either.
    (void)decode_envelope(piece);
  }
  GOSMART_FUZZ_CHECK(whole ? total == envelopes.size() : total < envelopes.size());
}

void check_frame(std::span<const uint8_t> frame) {
  auto split = split_event_frame(frame);
  if (!split) return;
  GOSMART_FUZZ_CHECK(inside(split->envelopes, frame));
  GOSMART_FUZZ_CHECK(split->envelopes.data() + split->envelopes.size() ==
                     frame.data() + frame.size());
  auto label_size = static_cast<std::size_t>(split->envelopes.data() - frame.data()) - 1;
  GOSMART_FUZZ_CHECK(label_size <= 64 && frame[label_size] == 0);
  GOSMART_FUZZ_CHECK(inside(split->type, frame) && inside(split->origin, frame));
  GOSMART_FUZZ_CHECK(split->origin.empty() || split->origin.size() == 2);
  GOSMART_FUZZ_CHECK(split->type.size() <= label_size);
  check_message_size(split->envelopes);
  check_split(split->envelopes);
}

// Events cut from the input packed into frames and split again give back the events.
void check_pack_round_trip(std::span<const uint8_t> bytes) {
  std::vector<std::span<const uint8_t>> messages;
  (void)split_envelopes(bytes, messages);
  if (messages.empty()) return;
  std::vector<StagedEvent> events;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    StagedEvent event;
    event.topic = i % 3 == 2 ? "registry.org.public" : "registry.profile.published";
    event.origin = i % 2 ? "FI" : "PL";
    event.bytes.assign(reinterpret_cast<const char*>(messages[i].data()), messages[i].size());
    events.push_back(std::move(event));
  }
  std::size_t next = 0;
  for (const auto& frame : pack_event_frames(events, 4096)) {
    std::span<const uint8_t> frame_bytes(reinterpret_cast<const uint8_t*>(frame.data()),
                                         frame.size());
    auto split = split_event_frame(frame_bytes);
    GOSMART_FUZZ_CHECK(split.has_value());
    std::vector<std::span<const uint8_t>> pieces;
    GOSMART_FUZZ_CHECK(split_envelopes(split->envelopes, pieces));
    for (auto piece : pieces) {
      GOSMART_FUZZ_CHECK(next < events.size());
      const auto& event = events[next++];
      GOSMART_FUZZ_CHECK(split->origin == event.origin && split->type == event.topic);
      GOSMART_FUZZ_CHECK(piece.size() == event.bytes.size() &&
                         std::memcmp(piece.data(), event.bytes.data(), piece.size()) == 0);
    }
  }
  GOSMART_FUZZ_CHECK(next == events.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  check_frame(bytes);
  check_message_size(bytes);
  check_split(bytes);
  check_pack_round_trip(bytes);
  return 0;
}
