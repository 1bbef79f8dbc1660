#include "common/outbox/api_courier.hpp"

#include "common/service/loop.hpp"

namespace gosmart::outbox {

ApiCourier::ApiCourier(transport::Transport& transport, const std::string& endpoint,
                       const std::string& server_key, ReplyCheck check)
    : socket_(transport.connect(zmq::socket_type::dealer, endpoint, server_key)),
      check_(std::move(check)) {}

Courier::Sent ApiCourier::send(const Entry& entry, Answered answered) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(entry.payload.data());
  auto request = decode_envelope({bytes, entry.payload.size()});
  if (!request) return Sent::unreadable;
  if (!socket_.send(zmq::buffer(entry.payload.data(), entry.payload.size()),
                    zmq::send_flags::dontwait)) {
    return Sent::not_now;
  }
  waiting_for_ = request.value().header().message_id;
  if (check_) sent_ = entry.payload;
  answered_ = std::move(answered);
  return Sent::sent;
}

void ApiCourier::attach(service::Loop& loop) {
  loop.on_readable(socket_, [this] { on_readable(); });
}

void ApiCourier::on_readable() {
  for (;;) {
    auto frames = transport::recv_message(socket_);
    if (frames.empty()) return;
    if (frames.size() != 1 || !waiting_for_) continue;
    auto reply = decode_envelope({frames[0].data<uint8_t>(), frames[0].size()});
    if (!reply || reply.value().header().correlation_id != *waiting_for_) continue;
    Answer answer;
    if (reply.value().header().type == wire_type(wire::ERROR_REPLY)) {
      auto error = reply.value().payload<wire::Error>();
      auto code = error.getCode();
      if (code == ErrorCode::UNAVAILABLE || code == ErrorCode::INTERNAL) {
        answer.verdict = Answer::Verdict::retry;
      } else {
        answer.verdict = Answer::Verdict::refused;
        answer.reason = error.getMessage().cStr();
      }
    } else if (check_) {
      const auto* sent = reinterpret_cast<const uint8_t*>(sent_.data());
      auto request = decode_envelope({sent, sent_.size()});
      auto mismatch = request ? check_(request.value(), reply.value())
                              : std::optional<std::string>("the request sent is unreadable");
      if (mismatch) {
        answer.verdict = Answer::Verdict::refused;
        answer.reason = *mismatch;
      }
    }
    // The callback may send the next entry, which replaces answered_: call a copy.
    Answered answered = answered_;
    if (answer.verdict != Answer::Verdict::retry) waiting_for_.reset();
    answered(answer);
  }
}

}  // namespace gosmart::outbox
