#pragma once
// A courier to another node's api socket (a DEALER, CURVE, pinned to the server's
// key): the entry's payload is an encoded request Envelope, and the reply with its
// message id as correlation id is the answer. An `error` reply with a transient code
// (unavailable, internal) is retried; any other error is a refusal for good, with
// the error's message as reason; any other reply means the request was taken, unless
// the owner's check says it does not answer the request (then it is a refusal too).
#include <zmq.hpp>

#include <functional>
#include <optional>
#include <string>

#include "common/envelope/envelope.hpp"
#include "common/outbox/courier.hpp"
#include "common/transport/transport.hpp"

namespace gosmart::outbox {

class ApiCourier : public Courier {
 public:
  // Why `reply` (not an error) does not answer `request`, or nothing if it does.
  using ReplyCheck = std::function<std::optional<std::string>(const DecodedEnvelope& request,
                                                              const DecodedEnvelope& reply)>;

  ApiCourier(transport::Transport& transport, const std::string& endpoint,
             const std::string& server_key, ReplyCheck check = {});

  Sent send(const Entry& entry, Answered answered) override;
  void attach(service::Loop& loop) override;
  void on_readable();

 private:
  zmq::socket_t socket_;
  ReplyCheck check_;
  std::optional<MessageId> waiting_for_;  // the request sent last (and its resends)
  std::string sent_;                      // its bytes, for check_
  Answered answered_;
};

}  // namespace gosmart::outbox
