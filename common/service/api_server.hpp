#pragma once
// The `api` ROUTER of a service: authenticates every request by its connection's
// ZAP User-Id, checks the caller's role, dispatches by envelope type and always
// answers — with the handler's reply or a structured error. Health is built in.
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/logging/rate_limited_log.hpp"
#include "common/service/commit_pipeline.hpp"
#include "common/service/idempotency.hpp"
#include "common/transport/transport.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::service {

struct ServiceInfo {
  std::string name;     // "registry"
  std::string version;  // the build's version
  std::string country;
  wire::Service service = wire::Service::UNKNOWN;
};

struct Request {
  transport::Identity caller;
  const DecodedEnvelope& envelope;
  // Set for writes whose replies are kept (idempotency.hpp): a handler names the
  // organisations whose data its reply carries, so that erasure drops the kept copy.
  std::vector<std::string>* reply_subjects = nullptr;
  void reply_concerns(std::string subject) const {
    if (reply_subjects) reply_subjects->push_back(std::move(subject));
  }
};

// Starts a reply to `request` (correlation id = its message id).
EnvelopeBuilder make_reply(const ServiceInfo& info, const Request& request, std::string_view type);

class ApiServer {
 public:
  using Handler = std::function<Result<std::string>(const Request&)>;
  using HealthFiller = std::function<void(wire::HealthReply::Builder&)>;

  ApiServer(zmq::socket_t& router, ServiceInfo info, EnvelopeLimits limits);

  void handle(std::string_view type, std::set<config::Role> roles, Handler handler);
  // A request that writes: with a pipeline and an idempotency store, its successful
  // reply is kept in the batch of its effect, and the same caller's same message id
  // is answered from it instead of being handled again.
  void handle_write(std::string_view type, std::set<config::Role> roles, Handler handler);
  void set_idempotency(IdempotencyStore* store) { idempotency_ = store; }
  void set_health(HealthFiller filler) { health_ = std::move(filler); }
  // The group commit of a service that writes, the one commit path there is: the
  // replies of a drain are sent once what it staged is durable, while the next
  // drains are handled (commit_pipeline.hpp); when the commit fails every reply of
  // what it carried becomes an `unavailable` error. Without one (a service that
  // only reads) replies go out at once.
  void set_pipeline(CommitPipeline* pipeline) { pipeline_ = pipeline; }

  // What a health request answers (the Prometheus endpoint renders the same).
  void fill_health(wire::HealthReply::Builder& health);

  // Drains what is readable on the router (bounded per call).
  void on_readable();

  uint64_t requests() const { return requests_; }
  uint64_t refused() const { return refused_; }
  uint64_t replayed() const { return replayed_; }  // writes answered from a kept reply
  // Requests over the envelope limit, answered too_large (a frame over the socket's
  // own limit, twice as large, never arrives: libzmq drops its connection).
  uint64_t too_large() const { return too_large_; }

 private:
  // `kept` collects the idempotency entries staged for this drain's writes.
  std::string dispatch(const transport::Identity& caller, std::span<const uint8_t> frame,
                       std::vector<std::string>& kept);
  static Result<std::string> answer(const std::string& type, const Handler& handler,
                                    const Request& request);
  std::string health_reply(const Request& request);
  struct Answer {
    zmq::message_t routing_id;
    bool delimiter;
    std::string reply;
  };
  std::string too_large_reply(const std::string& reply);
  void send_answers(std::vector<Answer>& answers, bool stored);

  struct Route {
    std::set<config::Role> roles;
    Handler handler;
    bool write = false;
  };
  zmq::socket_t& router_;
  ServiceInfo info_;
  EnvelopeLimits limits_;
  std::map<std::string, Route, std::less<>> routes_;
  HealthFiller health_;
  CommitPipeline* pipeline_ = nullptr;
  IdempotencyStore* idempotency_ = nullptr;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint64_t requests_ = 0;
  uint64_t refused_ = 0;
  uint64_t replayed_ = 0;
  uint64_t too_large_ = 0;
  logging::RateLimitedLog too_large_log_;
  // Refusals an authenticated caller causes at will (a role's wrong call, a message
  // id reused): one line per caller per interval (outside finding N7 of issue 11).
  logging::RateLimitedLog refusal_log_;
};

const std::set<config::Role>& all_roles();

}  // namespace gosmart::service
