#pragma once
// PUB frames: "<label>\0<envelope><envelope>...", the label being "<origin>:<type>"
// for events ("PL:registry.org.public") and "platform.heartbeat" for heartbeats.
// The label in front keeps libzmq's prefix filtering, which on TCP happens at the
// publisher: a peer registry subscribes to "FI:" on FI's stream and is never sent
// the third countries' events FI relays for its local services. Several
// consecutive envelopes of one label share a frame, so a committed batch costs a
// few ZeroMQ/CURVE messages rather than one per event (bench/README.md).
// Cap'n Proto messages are self-delimiting: each envelope's size is read from its
// own segment table.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gosmart::replication {

struct StagedEvent;

struct SplitFrame {
  std::string_view origin;  // empty for a heartbeat
  std::string_view type;
  std::span<const uint8_t> envelopes;
};

// "<origin>:<type>", the label of an event frame.
std::string event_label(std::string_view origin, std::string_view type);
std::string event_frame(std::string_view label, std::string_view envelope);
std::optional<SplitFrame> split_event_frame(std::span<const uint8_t> frame);

// Bytes of the first Cap'n Proto message in `bytes`, from its segment table; none
// when the table is cut short, claims too many segments or more bytes than there are.
std::optional<std::size_t> flat_message_size(std::span<const uint8_t> bytes);

// Splits `envelopes` into single messages; false when the bytes do not divide
// exactly into whole messages (the pieces before the fault are still returned).
bool split_envelopes(std::span<const uint8_t> envelopes,
                     std::vector<std::span<const uint8_t>>& out);

// Packs events into frames: a run of one origin and type shares a frame up to max_bytes.
std::vector<std::string> pack_event_frames(const std::vector<StagedEvent>& events,
                                           std::size_t max_bytes);

}  // namespace gosmart::replication
