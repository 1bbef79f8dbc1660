#pragma once
// Writer side on the wire: the `events` PUB ([topic][envelope]) with heartbeats
// carrying every origin's head, and the `sync` ROUTER answering catch-up requests
// from the durable log in pages.
#include <zmq.hpp>

#include "common/logging/rate_limited_log.hpp"
#include "common/replication/event_log.hpp"
#include "schemas/platform.capnp.h"

namespace gosmart::replication {

class Publisher {
 public:
  Publisher(zmq::socket_t& pub, const EventLog& log, wire::Service service, int heartbeat_ms,
            std::size_t max_frame_bytes = 256 * 1024);

  // Only for events whose batch is committed. PUB drops silently under its
  // high-water mark (libzmq does not tell); subscribers see the gap and catch up.
  void publish(const StagedEvent& event);
  void publish(const std::vector<StagedEvent>& events);  // in order, packed into frames
  void heartbeat();

  uint64_t published() const { return published_; }

 private:
  zmq::socket_t& pub_;
  const EventLog& log_;
  wire::Service service_;
  int heartbeat_ms_;
  std::size_t max_frame_bytes_;
  uint64_t published_ = 0;
};

class CatchupServer {
 public:
  CatchupServer(zmq::socket_t& router, const EventLog& log, wire::Service service,
                EnvelopeLimits limits, std::size_t max_page_events);

  void on_readable();
  uint64_t pages_served() const { return pages_; }
  uint64_t refused() const { return refused_; }
  uint64_t too_large() const { return too_large_; }

 private:
  std::string answer(std::span<const uint8_t> frame);

  zmq::socket_t& router_;
  const EventLog& log_;
  wire::Service service_;
  EnvelopeLimits limits_;
  std::size_t max_page_events_;
  uint64_t pages_ = 0;
  uint64_t refused_ = 0;
  uint64_t too_large_ = 0;
  logging::RateLimitedLog too_large_log_;
};

}  // namespace gosmart::replication
