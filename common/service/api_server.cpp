#include "common/service/api_server.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "common/core/break_point.hpp"
#include "common/core/crash_point.hpp"

namespace gosmart::service {

const std::set<config::Role>& all_roles() {
  static const std::set<config::Role> roles = {config::Role::peer, config::Role::broker,
                                               config::Role::integration, config::Role::monitor,
                                               config::Role::service};
  return roles;
}

EnvelopeBuilder make_reply(const ServiceInfo& info, const Request& request, std::string_view type) {
  EnvelopeHeader header{random_message_id(),
                        info.country,
                        info.service,
                        0,
                        std::string(type),
                        now_us(),
                        request.envelope.header().message_id};
  return EnvelopeBuilder(header);
}

ApiServer::ApiServer(zmq::socket_t& router, ServiceInfo info, EnvelopeLimits limits)
    : router_(router), info_(std::move(info)), limits_(limits) {
  handle(wire_type(wire::PLATFORM_HEALTH_REQUEST), all_roles(),
         [this](const Request& request) -> Result<std::string> { return health_reply(request); });
}

void ApiServer::handle(std::string_view type, std::set<config::Role> roles, Handler handler) {
  routes_[std::string(type)] = Route{std::move(roles), std::move(handler)};
}

void ApiServer::handle_write(std::string_view type, std::set<config::Role> roles, Handler handler) {
  routes_[std::string(type)] = Route{std::move(roles), std::move(handler), true};
}

std::string ApiServer::health_reply(const Request& request) {
  auto reply = make_reply(info_, request, wire_type(wire::PLATFORM_HEALTH_REPLY));
  auto health = reply.init_payload<wire::HealthReply>();
  fill_health(health);
  return reply.encode();
}

void ApiServer::fill_health(wire::HealthReply::Builder& health) {
  health.setService(info_.name);
  health.setVersion(info_.version);
  health.setCountry(info_.country);
  health.setUptimeS(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count()));
  health.setHealthy(true);
  if (health_) health_(health);
}

// Runs a handler so that nothing it throws leaves as anything but a typed error:
// a hostile field read lazily is `malformed` (guarded()), anything else, a failed
// store read say, is `internal`, logged here with what it said; the caller sees no
// detail of it, and the service goes on answering.
Result<std::string> ApiServer::answer(const std::string& type, const Handler& handler,
                                      const Request& request) {
  try {
    return guarded([&]() -> Result<std::string> { return handler(request); });
  } catch (const std::exception& e) {
    if (GOSMART_BREAK_POINT("api.handler_exception_escapes")) throw;
    spdlog::error("api: {} from {} failed: {}", type, request.caller.user_id(), e.what());
  } catch (...) {
    if (GOSMART_BREAK_POINT("api.handler_exception_escapes")) throw;
    spdlog::error("api: {} from {} failed: an exception of unknown type", type,
                  request.caller.user_id());
  }
  return fail(ErrorCode::INTERNAL, "internal error: the request was not handled");
}

std::string ApiServer::dispatch(const transport::Identity& caller, std::span<const uint8_t> frame,
                                std::vector<std::string>& kept) {
  auto decoded = decode_envelope(frame, limits_);
  if (!decoded) {
    if (decoded.error().code == ErrorCode::TOO_LARGE) {
      ++too_large_;
      too_large_log_.warn(caller.user_id(), "api: a request of {} bytes from {} refused: over {}",
                          frame.size(), caller.user_id(), limits_.max_bytes);
    }
    return encode_error_reply(info_.country, info_.service, nullptr, decoded.error());
  }
  const auto& envelope = decoded.value();
  const auto& id = envelope.header().message_id;
  auto route = routes_.find(envelope.header().type);
  if (route == routes_.end()) {
    return encode_error_reply(
        info_.country, info_.service, &id,
        fail(ErrorCode::UNKNOWN_TYPE, "no such request: " + envelope.header().type, "type"));
  }
  if (!route->second.roles.count(caller.role) && !GOSMART_BREAK_POINT("api.skip_role_check")) {
    ++refused_;
    refusal_log_.warn(caller.user_id(), "api: {} may not call {}", caller.user_id(),
                      envelope.header().type);
    return encode_error_reply(
        info_.country, info_.service, &id,
        fail(ErrorCode::NOT_AUTHORISED, std::string("role ") + config::role_name(caller.role) +
                                            " may not call " + envelope.header().type));
  }
  // Replies are kept only where they can share the effect's batch (the pipeline).
  // (An all-zero message id is no id: nothing tells one such write from another.)
  std::string_view id_bytes(reinterpret_cast<const char*>(id.data()), id.size());
  bool keep = route->second.write && idempotency_ && pipeline_ &&
              id_bytes.find_first_not_of('\0') != std::string_view::npos;
  std::string digest;
  if (keep) {
    auto digested = request_digest(envelope);
    if (!digested) return encode_error_reply(info_.country, info_.service, &id, digested.error());
    digest = std::move(digested).value();
    if (auto kept_reply = idempotency_->find(caller.user_id(), id_bytes, digest)) {
      if (!kept_reply->same_request) {
        // Replaying would tell the caller that a request was done which never ran.
        refusal_log_.warn(caller.user_id(), "api: {} reused a message id for another request ({})",
                          caller.user_id(), envelope.header().type);
        return encode_error_reply(
            info_.country, info_.service, &id,
            fail(ErrorCode::CONFLICT, "message id reused for another request", "messageId"));
      }
      ++replayed_;
      return std::move(kept_reply->reply);
    }
  }
  std::vector<std::string> subjects;
  Request request{caller, envelope, keep ? &subjects : nullptr};
  auto result = answer(envelope.header().type, route->second.handler, request);
  // A refused write took no effect: its retry is handled afresh.
  if (!result) return encode_error_reply(info_.country, info_.service, &id, result.error());
  if (keep) {
    kept.push_back(idempotency_->stage(pipeline_->staging_batch(), caller.user_id(), id_bytes,
                                       digest, result.value(), subjects));
  }
  return std::move(result).value();
}

void ApiServer::on_readable() {
  std::vector<Answer> answers;
  std::vector<std::string> kept;
  for (int budget = 0; budget < 256; ++budget) {
    auto frames = transport::recv_message(router_);
    if (frames.empty()) break;
    ++requests_;
    // [routing id][envelope] from a DEALER; REQ clients add an empty delimiter.
    bool has_delimiter = frames.size() == 3 && frames[1].size() == 0;
    std::optional<transport::Identity> caller = transport::sender_of(frames.back());
    if (!caller) {
      // No User-Id: an inproc connection, so a caller inside this process (every tcp
      // and ipc connection passed ZAP, which names it). Nothing in-process needs more
      // than health, so it gets the least role there is, the node's own services'
      // (service:inproc): a bug in one part of the process cannot act as a broker.
      caller = transport::Identity{"inproc", config::Role::service};
    }
    std::string reply;
    if (frames.size() != 2 && !has_delimiter) {
      reply = encode_error_reply(info_.country, info_.service, nullptr,
                                 fail(ErrorCode::MALFORMED, "a request is one envelope frame"));
    } else {
      const auto& body = frames.back();
      reply = dispatch(*caller, {body.data<uint8_t>(), body.size()}, kept);
    }
    if (reply.size() > limits_.max_bytes) reply = too_large_reply(reply);
    answers.push_back({std::move(frames[0]), has_delimiter, std::move(reply)});
  }
  if (answers.empty()) return;
  if (pipeline_) {
    auto waiting = std::make_shared<std::vector<Answer>>(std::move(answers));
    pipeline_->after_durable([this, waiting, kept = std::move(kept)](bool stored) {
      // A write's effect and its kept reply are durable, the reply not yet sent: a
      // crash here must leave the caller's retry the kept reply (fault test).
      if (stored && !kept.empty()) crash_point("api.after_durable_before_reply");
      if (idempotency_) idempotency_->settle(kept);
      send_answers(*waiting, stored);
    });
    pipeline_->flush();
    return;
  }
  send_answers(answers, true);  // nothing was written: nothing to wait for
}

void ApiServer::send_answers(std::vector<Answer>& answers, bool stored) {
  if (!stored) {
    for (auto& answer : answers) {
      // The error answers the same request as the reply it replaces: a caller (a
      // peer's outbox) matches replies by correlation id, and one without it would
      // be ignored until the resend.
      std::optional<MessageId> request_id;
      auto replaced = decode_envelope(
          {reinterpret_cast<const uint8_t*>(answer.reply.data()), answer.reply.size()});
      if (replaced) request_id = replaced.value().header().correlation_id;
      answer.reply = encode_error_reply(
          info_.country, info_.service, request_id ? &*request_id : nullptr,
          fail(ErrorCode::UNAVAILABLE, "not stored: the commit failed; try again"));
    }
  }
  for (auto& answer : answers) {
    try {
      router_.send(answer.routing_id, zmq::send_flags::sndmore);
      if (answer.delimiter) router_.send(zmq::message_t(), zmq::send_flags::sndmore);
      router_.send(zmq::buffer(answer.reply), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      // EHOSTUNREACH: the caller left before its answer; nothing else to do for it.
      spdlog::debug("api: reply not delivered: {}", e.what());
    }
  }
}

// A reply over the message limit would be dropped, with the connection, by the
// caller's transport (ZMQ_MAXMSGSIZE), which then sees only silence: it gets an
// error it can read and act on instead (ask for a smaller page).
std::string ApiServer::too_large_reply(const std::string& reply) {
  auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()},
                                 EnvelopeLimits{.max_bytes = reply.size()});
  std::optional<MessageId> request_id;
  std::string type = "reply";
  if (decoded) {
    request_id = decoded.value().header().correlation_id;
    type = decoded.value().header().type;
  }
  spdlog::warn("api: a {} of {} bytes not sent: over the message limit of {}", type, reply.size(),
               limits_.max_bytes);
  return encode_error_reply(
      info_.country, info_.service, request_id ? &*request_id : nullptr,
      fail(ErrorCode::TOO_LARGE, "the reply (" + type + ", " + std::to_string(reply.size()) +
                                     " bytes) is over the message limit of " +
                                     std::to_string(limits_.max_bytes) +
                                     " bytes: ask for fewer records"));
}

}  // namespace gosmart::service
