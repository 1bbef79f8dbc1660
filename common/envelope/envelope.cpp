#include "common/envelope/envelope.hpp"

#include <sodium.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>

#include "common/core/break_point.hpp"
#include "common/reference/regions.hpp"

namespace gosmart {

namespace {
std::atomic<uint64_t> fork_generation{0};
}

MessageId random_message_id() {
  // libsodium's generator makes a getpid() syscall on every call (fork safety);
  // a per-thread pool refilled 256 ids at a time keeps that off the hot path, and
  // a fork handler makes a child draw fresh bytes rather than repeat its parent's.
  static std::once_flag registered;
  std::call_once(registered,
                 [] { ::pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); }); });
  thread_local std::array<uint8_t, 16 * 256> pool;
  thread_local std::size_t used = pool.size();
  thread_local uint64_t generation = 0;
  if (used == pool.size() || generation != fork_generation.load()) {
    randombytes_buf(pool.data(), pool.size());
    used = 0;
    generation = fork_generation.load();
  }
  MessageId id;
  std::memcpy(id.data(), pool.data() + used, id.size());
  used += id.size();
  return id;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

bool is_valid_type_name(std::string_view type) {
  if (type.empty() || type.size() > 64 || type.front() == '.' || type.back() == '.') return false;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

DecodedEnvelope::DecodedEnvelope(kj::Array<capnp::word> words, const capnp::ReaderOptions& options)
    : words_(kj::mv(words)),
      reader_(std::make_unique<capnp::FlatArrayMessageReader>(words_.asPtr(), options)) {}

std::span<const uint8_t> DecodedEnvelope::bytes() const {
  return {reinterpret_cast<const uint8_t*>(words_.begin()), words_.size() * sizeof(capnp::word)};
}

namespace {

Status read_header(const wire::Envelope::Reader& root, EnvelopeHeader& header) {
  if (!root.hasMessageId() || root.getMessageId().size() != header.message_id.size()) {
    return fail(ErrorCode::MALFORMED, "messageId must be 16 bytes", "messageId");
  }
  std::memcpy(header.message_id.data(), root.getMessageId().begin(), header.message_id.size());
  std::string_view country(root.getOriginCountry().cStr(), root.getOriginCountry().size());
  if (!reference::is_country_code(country)) {
    return fail(ErrorCode::INVALID_FIELD, "not an ISO 3166-1 alpha-2 code", "originCountry");
  }
  header.origin_country = std::string(country);
  header.origin_service = root.getOriginService();
  header.origin_seq = root.getOriginSeq();
  std::string_view type(root.getType().cStr(), root.getType().size());
  if (!is_valid_type_name(type)) {
    return fail(ErrorCode::INVALID_FIELD, "not a message type name", "type");
  }
  header.type = std::string(type);
  header.timestamp_us = root.getTimestampUs();
  header.writer_epoch = root.getWriterEpoch();
  if (root.hasCorrelationId()) {
    auto correlation = root.getCorrelationId();
    if (correlation.size() != 16) {
      return fail(ErrorCode::MALFORMED, "correlationId must be 16 bytes", "correlationId");
    }
    MessageId id;
    std::memcpy(id.data(), correlation.begin(), id.size());
    header.correlation_id = id;
  }
  return {};
}

}  // namespace

Result<DecodedEnvelope> decode_envelope(std::span<const uint8_t> frame,
                                        const EnvelopeLimits& limits) {
  if (frame.empty()) return fail(ErrorCode::MALFORMED, "empty frame");
  if (frame.size() > limits.max_bytes) {
    return fail(ErrorCode::TOO_LARGE, "frame of " + std::to_string(frame.size()) +
                                          " bytes exceeds " + std::to_string(limits.max_bytes));
  }
  if (frame.size() % sizeof(capnp::word) != 0) {
    return fail(ErrorCode::MALFORMED, "frame is not a whole number of words");
  }
  // ZeroMQ frames carry no alignment guarantee; FlatArrayMessageReader needs 8 bytes.
  auto words = kj::heapArray<capnp::word>(frame.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), frame.data(), frame.size());

  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() * limits.traversal_factor + 64;
  options.nestingLimit = limits.nesting_limit;
  try {
    DecodedEnvelope decoded(kj::mv(words), options);
    if (decoded.reader_->getEnd() != decoded.words_.end() &&
        !GOSMART_BREAK_POINT("envelope.accept_trailing_bytes")) {
      return fail(ErrorCode::MALFORMED, "trailing bytes after the message");
    }
    auto header = read_header(decoded.root(), decoded.header_);
    if (!header) return header.error();
    return decoded;
  } catch (const kj::Exception& e) {
    return fail(ErrorCode::MALFORMED,
                std::string("not a Cap'n Proto envelope: ") + e.getDescription().cStr());
  }
}

EnvelopeBuilder::EnvelopeBuilder(const EnvelopeHeader& header)
    : root_(message_.initRoot<wire::Envelope>()) {
  root_.setMessageId(capnp::Data::Reader(header.message_id.data(), header.message_id.size()));
  root_.setOriginCountry(header.origin_country);
  root_.setOriginService(header.origin_service);
  root_.setOriginSeq(header.origin_seq);
  root_.setType(header.type);
  root_.setTimestampUs(header.timestamp_us);
  if (header.writer_epoch != 0) root_.setWriterEpoch(header.writer_epoch);
  if (header.correlation_id) {
    root_.setCorrelationId(
        capnp::Data::Reader(header.correlation_id->data(), header.correlation_id->size()));
  }
}

EnvelopeBuilder::EnvelopeBuilder(std::string_view origin_country, wire::Service service,
                                 std::string_view type, uint64_t origin_seq)
    : EnvelopeBuilder(EnvelopeHeader{random_message_id(), std::string(origin_country), service,
                                     origin_seq, std::string(type), now_us(), std::nullopt}) {}

std::string EnvelopeBuilder::encode() {
  // Serialise straight into the string: one copy of the segments, not two.
  std::string out(capnp::computeSerializedSizeInWords(message_) * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, message_);
  return out;
}

std::string encode_error_reply(std::string_view origin_country, wire::Service service,
                               const MessageId* request_id, const Failure& failure) {
  EnvelopeHeader header{random_message_id(),
                        std::string(origin_country),
                        service,
                        0,
                        std::string(wire_type(wire::ERROR_REPLY)),
                        now_us(),
                        std::nullopt};
  if (request_id) header.correlation_id = *request_id;
  EnvelopeBuilder builder(header);
  auto error = builder.init_payload<wire::Error>();
  error.setCode(failure.code);
  error.setMessage(failure.message);
  error.setField(failure.field);
  return builder.encode();
}

}  // namespace gosmart
