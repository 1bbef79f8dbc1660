#pragma once
// Building and parsing the Envelope every message travels in. Parsing treats the
// bytes as hostile: size bounded, word-aligned copy, Cap'n Proto reader limits,
// header fields validated, trailing bytes refused. A bad frame is a Failure value.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/core/result.hpp"
#include "common/envelope/scratch_message.hpp"
#include "common/envelope/wire_type.hpp"
#include "schemas/envelope.capnp.h"

namespace gosmart {

using MessageId = std::array<uint8_t, 16>;

struct EnvelopeLimits {
  std::size_t max_bytes = 1 << 20;
  // Reading may touch at most this multiple of the frame's words (amplification guard).
  uint64_t traversal_factor = 4;
  int nesting_limit = 32;
};

struct EnvelopeHeader {
  MessageId message_id{};
  std::string origin_country;
  wire::Service origin_service = wire::Service::UNKNOWN;
  uint64_t origin_seq = 0;
  std::string type;
  int64_t timestamp_us = 0;
  std::optional<MessageId> correlation_id;
  // On events: the writer's epoch when it wrote origin_seq (see EventLog); 0 elsewhere.
  uint32_t writer_epoch = 0;
};

MessageId random_message_id();
int64_t now_us();
std::string to_hex(std::span<const uint8_t> bytes);

// A type name is dotted lower-case words: "platform.heartbeat".
bool is_valid_type_name(std::string_view type);

class DecodedEnvelope {
 public:
  DecodedEnvelope(kj::Array<capnp::word> words, const capnp::ReaderOptions& options);
  DecodedEnvelope(DecodedEnvelope&&) noexcept = default;
  DecodedEnvelope& operator=(DecodedEnvelope&&) noexcept = default;

  const EnvelopeHeader& header() const { return header_; }
  wire::Envelope::Reader root() const { return reader_->getRoot<wire::Envelope>(); }

  // Field reads may throw kj::Exception on hostile payloads: callers handle the
  // message inside a guard (see guarded()) and answer with an error.
  template <class T>
  typename T::Reader payload() const {
    return root().getPayload().template getAs<T>();
  }

  // The validated frame, as it arrived (word-aligned copy).
  std::span<const uint8_t> bytes() const;

 private:
  friend Result<DecodedEnvelope> decode_envelope(std::span<const uint8_t>, const EnvelopeLimits&);
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  EnvelopeHeader header_;
};

Result<DecodedEnvelope> decode_envelope(std::span<const uint8_t> frame,
                                        const EnvelopeLimits& limits = {});

// Runs `body`, turning a kj::Exception raised by a lazily-read hostile field into
// a malformed Failure.
template <class Fn>
auto guarded(Fn&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const kj::Exception& e) {
    return fail(ErrorCode::MALFORMED,
                std::string("malformed message: ") + e.getDescription().cStr());
  }
}

class EnvelopeBuilder {
 public:
  explicit EnvelopeBuilder(const EnvelopeHeader& header);
  EnvelopeBuilder(std::string_view origin_country, wire::Service service, std::string_view type,
                  uint64_t origin_seq = 0);

  template <class T>
  typename T::Builder init_payload() {
    return root_.getPayload().template initAs<T>();
  }
  wire::Envelope::Builder root() { return root_; }

  // Flat bytes ready for a ZeroMQ frame or a RocksDB value.
  std::string encode();

 private:
  // A lent, already zeroed first segment: capnp's default (8 KiB, calloc'd for
  // every message) cost more than the rest of building a small reply.
  ScratchMessage message_;
  wire::Envelope::Builder root_;
};

// A structured error reply to `request` (correlation id set to its message id).
std::string encode_error_reply(std::string_view origin_country, wire::Service service,
                               const MessageId* request_id, const Failure& failure);

}  // namespace gosmart
