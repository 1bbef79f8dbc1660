#include "common/replication/publisher.hpp"

#include "common/core/break_point.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "common/reference/regions.hpp"
#include "common/replication/event_frame.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::replication {

Publisher::Publisher(zmq::socket_t& pub, const EventLog& log, wire::Service service,
                     int heartbeat_ms, std::size_t max_frame_bytes)
    : pub_(pub),
      log_(log),
      service_(service),
      heartbeat_ms_(heartbeat_ms),
      max_frame_bytes_(max_frame_bytes) {}

void Publisher::publish(const std::vector<StagedEvent>& events) {
  for (const auto& frame : pack_event_frames(events, max_frame_bytes_)) {
    (void)pub_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
  }
  published_ += events.size();
}

void Publisher::publish(const StagedEvent& event) {
  // PUB never blocks: dontwait only guards against a future socket type change.
  if (pub_.send(zmq::buffer(event_frame(event_label(event.origin, event.topic), event.bytes)),
                zmq::send_flags::dontwait)) {
    ++published_;
  }
}

void Publisher::heartbeat() {
  EnvelopeBuilder builder(log_.origin(), service_, wire_type(wire::PLATFORM_HEARTBEAT));
  auto beat = builder.init_payload<wire::Heartbeat>();
  beat.setIntervalMs(static_cast<uint32_t>(heartbeat_ms_));
  auto heads = log_.heads();
  auto list = beat.initHeads(static_cast<unsigned>(heads.size()));
  unsigned i = 0;
  for (const auto& [origin, seq] : heads) {
    list[i].setOrigin(origin);
    list[i].setLastSeq(seq);
    ++i;
  }
  (void)pub_.send(zmq::buffer(event_frame(wire_type(wire::PLATFORM_HEARTBEAT), builder.encode())),
                  zmq::send_flags::dontwait);
}

CatchupServer::CatchupServer(zmq::socket_t& router, const EventLog& log, wire::Service service,
                             EnvelopeLimits limits, std::size_t max_page_events)
    : router_(router),
      log_(log),
      service_(service),
      limits_(limits),
      max_page_events_(max_page_events) {}

std::string CatchupServer::answer(std::span<const uint8_t> frame) {
  auto decoded = decode_envelope(frame, limits_);
  if (!decoded) {
    ++refused_;
    if (decoded.error().code == ErrorCode::TOO_LARGE) {
      // Counted and logged as the api socket's are (outside finding N3 of issue 11).
      ++too_large_;
      too_large_log_.warn("sync", "sync: a request of {} bytes refused: over {}", frame.size(),
                          limits_.max_bytes);
    }
    return encode_error_reply(log_.origin(), service_, nullptr, decoded.error());
  }
  const auto& request = decoded.value();
  const auto* id = &request.header().message_id;
  if (request.header().type != wire_type(wire::PLATFORM_CATCHUP_REQUEST)) {
    ++refused_;
    return encode_error_reply(log_.origin(), service_, id,
                              fail(ErrorCode::UNKNOWN_TYPE, "sync serves catch-up only", "type"));
  }
  auto reply = guarded([&]() -> Result<std::string> {
    auto ask = request.payload<wire::CatchupRequest>();
    std::string origin = ask.getOrigin();
    if (!reference::is_country_code(origin)) {
      return fail(ErrorCode::INVALID_FIELD, "not a country code", "origin");
    }
    std::size_t max_events = std::min<std::size_t>(ask.getMaxEvents(), max_page_events_);
    if (max_events == 0) max_events = max_page_events_;
    // Leave room for the page's own header under the frame limit.
    std::size_t max_bytes =
        limits_.max_bytes > 8192 ? limits_.max_bytes - 4096 : limits_.max_bytes / 2;
    auto page = log_.read_after(origin, ask.getAfterSeq(), max_events, max_bytes);
    if (!page) return page.error();
    EnvelopeHeader header{random_message_id(),
                          log_.origin(),
                          service_,
                          0,
                          std::string(wire_type(wire::PLATFORM_CATCHUP_PAGE)),
                          now_us(),
                          request.header().message_id};
    EnvelopeBuilder builder(header);
    auto out = builder.init_payload<wire::CatchupPage>();
    out.setOrigin(origin);
    out.setAfterSeq(ask.getAfterSeq());
    out.setWriterLastSeq(page.value().head);
    auto events = out.initEvents(static_cast<unsigned>(page.value().events.size()));
    for (unsigned i = 0; i < events.size(); ++i) {
      const auto& bytes = page.value().events[i];
      events.set(i,
                 capnp::Data::Reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    }
    ++pages_;
    return builder.encode();
  });
  if (!reply) {
    ++refused_;
    return encode_error_reply(log_.origin(), service_, id, reply.error());
  }
  return std::move(reply).value();
}

void CatchupServer::on_readable() {
  for (int budget = 0; budget < 64; ++budget) {
    auto frames = transport::recv_message(router_);
    if (frames.empty()) return;
    // Test-only: what a subscriber missed live is never served again.
    if (GOSMART_BREAK_POINT("replication.serve_no_catchup")) continue;
    std::string reply =
        frames.size() == 2
            ? answer({frames[1].data<uint8_t>(), frames[1].size()})
            : encode_error_reply(log_.origin(), service_, nullptr,
                                 fail(ErrorCode::MALFORMED, "a request is one envelope frame"));
    try {
      router_.send(frames[0], zmq::send_flags::sndmore);
      router_.send(zmq::buffer(reply), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::debug("sync: page not delivered: {}", e.what());
    }
  }
}

}  // namespace gosmart::replication
