// The replication primitive in one process over inproc sockets: the writer's log,
// PUB and catch-up server against a Subscriber, with events deliberately not
// published to make gaps, duplicates re-sent, and a tail only a heartbeat reveals.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "common/replication/event_frame.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/transport/transport.hpp"
#include "schemas/probe.capnp.h"
#include "tests/support/process.hpp"
#include "tools/replication-probe/probe_state.hpp"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

struct Harness {
  testing::TempDir dir;
  zmq::context_t context{1};
  std::unique_ptr<store::Store> writer_db =
      store::Store::open(dir.path() / "w", replication::event_log_column_families());
  std::unique_ptr<store::Store> reader_db =
      store::Store::open(dir.path() / "r", {"cursors", probe::kProbeColumnFamily});
  replication::EventLog log{*writer_db, "PL", wire::Service::TOOL};
  zmq::socket_t pub{context, zmq::socket_type::pub};
  zmq::socket_t router{context, zmq::socket_type::router};
  zmq::socket_t sub{context, zmq::socket_type::sub};
  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  replication::Publisher publisher{pub, log, wire::Service::TOOL, 100};
  replication::CatchupServer server{router, log, wire::Service::TOOL, {}, 7};
  probe::ProbeState state{*reader_db};
  probe::ProbeApplier applier{state};
  probe::Chain expected;
  std::unique_ptr<replication::Subscriber> subscriber;

  Harness() {
    pub.bind("inproc://events");
    router.bind("inproc://sync");
    sub.connect("inproc://events");
    dealer.connect("inproc://sync");
    replication::SubscriberOptions options;
    options.origins = {"PL"};
    options.page_events = 7;  // small pages: several round trips
    options.request_timeout = 200ms;
    subscriber =
        std::make_unique<replication::Subscriber>(*reader_db, sub, dealer, applier, options);
    subscriber->start();
  }

  // Appends n events; publishes those `publish` says yes to.
  void write(int n, const std::function<bool(uint64_t)>& publish) {
    rocksdb::WriteBatch batch;
    std::vector<replication::StagedEvent> staged;
    for (int i = 0; i < n; ++i) {
      uint64_t seq = log.head("PL") + staged.size() + 1;
      std::string body = probe::probe_body(seq, 16);
      staged.push_back(log.append<wire::ProbeEvent>(batch, "probe.event", [&](auto e) {
        e.setIndex(seq);
        e.setBody(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
      }));
      expected.add("PL", seq, body);
    }
    REQUIRE(writer_db->commit(batch).ok());
    log.committed();
    for (const auto& e : staged) {
      if (publish(e.seq)) publisher.publish(e);
    }
  }

  void pump(std::chrono::milliseconds for_how_long) {
    auto end = std::chrono::steady_clock::now() + for_how_long;
    while (std::chrono::steady_clock::now() < end) {
      zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0},
                                 {dealer.handle(), 0, ZMQ_POLLIN, 0},
                                 {router.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 3, 10ms);
      if (items[0].revents & ZMQ_POLLIN) subscriber->on_events_readable();
      if (items[1].revents & ZMQ_POLLIN) subscriber->on_sync_readable();
      if (items[2].revents & ZMQ_POLLIN) server.on_readable();
      subscriber->tick();
    }
  }
};

// What the process logs while it lives; the logger before it is put back after.
struct CapturedLog {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  CapturedLog() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous); }
  std::size_t lines_with(const std::string& text) const {
    std::size_t n = 0;
    std::string all = out.str();
    for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
    return n;
  }
};

}  // namespace

TEST_CASE("gaps are caught up in pages and every event is applied once, in order",
          "[system][subscriber]") {
  Harness h;
  h.pump(50ms);  // let the SUB connect before anything is published
  h.write(40, [](uint64_t seq) { return seq < 5 || seq > 30; });  // 5..30 "dropped"
  h.pump(300ms);
  CHECK(h.subscriber->cursor("PL") == 40);
  CHECK(h.subscriber->stats().gaps > 0);
  CHECK(h.subscriber->stats().applied_catchup >= 26);
  CHECK(h.subscriber->stats().pages >= 4);  // 26 events in pages of 7

  // Re-publishing old events changes nothing: they are duplicates.
  h.write(0, [](uint64_t) { return true; });
  auto page = h.log.read_after("PL", 0, 40, 1 << 20).value();
  for (const auto& bytes : page.events)
    h.pub.send(zmq::buffer(replication::event_frame("PL:probe.event", bytes)));
  h.pump(100ms);
  CHECK(h.subscriber->stats().duplicates >= 40);
  CHECK(h.state.chain().count == 40);
  CHECK(h.state.chain().digest_hex() == h.expected.digest_hex());
}

TEST_CASE("a heartbeat reveals a tail that was never published", "[system][subscriber]") {
  Harness h;
  h.pump(50ms);
  h.write(12, [](uint64_t) { return false; });
  h.pump(50ms);
  // start() asked once already; what remains is noticed from the heartbeat.
  h.write(3, [](uint64_t) { return false; });
  h.publisher.heartbeat();
  h.pump(300ms);
  CHECK(h.subscriber->cursor("PL") == 15);
  CHECK(h.subscriber->writer_head("PL") == 15);
  CHECK(h.state.chain().digest_hex() == h.expected.digest_hex());
  CHECK(h.subscriber->writer_state() == transport::PeerState::alive);
}

TEST_CASE("events of an origin the writer may not speak for are refused", "[system][subscriber]") {
  CapturedLog log;
  Harness h;
  h.pump(50ms);
  EnvelopeBuilder forged("FI", wire::Service::TOOL, "probe.event", 1);
  forged.init_payload<wire::ProbeEvent>().setIndex(1);
  auto bytes = forged.encode();
  // Labelled as FI's it is not even sent here: the subscription is to "PL:".
  h.pub.send(zmq::buffer(replication::event_frame("FI:probe.event", bytes)));
  // Labelled as PL's, the label lies about the envelope's origin.
  h.pub.send(zmq::buffer(replication::event_frame("PL:probe.event", bytes)));
  h.pub.send(zmq::buffer(replication::event_frame("PL:probe.event", "garbage!")));
  h.pub.send(zmq::buffer(std::string("PL:probe.event-without-separator")));
  // The type in the label must be the envelope's own.
  EnvelopeBuilder mislabelled("PL", wire::Service::TOOL, "probe.event", 1);
  mislabelled.init_payload<wire::ProbeEvent>().setIndex(1);
  h.pub.send(zmq::buffer(replication::event_frame("PL:probe.eventx", mislabelled.encode())));
  // An event must carry its origin in the label.
  h.pub.send(zmq::buffer(replication::event_frame("probe.event", mislabelled.encode())));
  h.pump(100ms);
  CHECK(h.subscriber->cursor("FI") == 0);
  CHECK(h.subscriber->cursor("PL") == 0);
  CHECK(h.subscriber->stats().rejected == 0);
  CHECK(h.subscriber->stats().malformed == 4);
  CHECK(h.state.chain().count == 0);
  // Refused and counted, as docs/platform.md says, and seen in the log.
  CHECK(h.subscriber->stats().foreign_origin == 1);
  CHECK(log.lines_with("a live frame of PL carries an event of origin FI: refused") == 1);
  // The same forgery again and again: counted each time, logged once per 10 s.
  for (int i = 0; i < 20; ++i) {
    h.pub.send(zmq::buffer(replication::event_frame("PL:probe.event", bytes)));
  }
  h.pump(100ms);
  CHECK(h.subscriber->stats().foreign_origin == 21);
  CHECK(log.lines_with("carries an event of origin FI") == 1);

  // FI's event labelled truthfully, on a socket subscribed to FI's label as well (a
  // subscription too wide): it does reach the subscriber now, which applies nothing
  // of it. (Its log line falls in the same 10 s as FI's forgeries above.)
  h.sub.set(zmq::sockopt::subscribe, "FI:");
  h.pump(50ms);
  h.pub.send(zmq::buffer(replication::event_frame("FI:probe.event", bytes)));
  h.pump(100ms);
  CHECK(h.subscriber->stats().rejected == 1);
  CHECK(h.subscriber->stats().foreign_origin == 22);
  CHECK(h.subscriber->cursor("FI") == 0);
  CHECK(h.subscriber->cursors().count("FI") == 0);
  CHECK(h.state.chain().count == 0);
}

TEST_CASE("a catch-up page holding another origin's event: refused and counted and passed over",
          "[system][subscriber]") {
  CapturedLog log;
  Harness h;
  h.pump(50ms);
  // A tail only catch-up can bring: the next request is answered by the test.
  h.write(1, [](uint64_t) { return false; });
  h.publisher.heartbeat();
  std::vector<zmq::message_t> request;
  REQUIRE(testing::eventually(
      [&] {
        zmq::pollitem_t items[] = {{h.sub.handle(), 0, ZMQ_POLLIN, 0},
                                   {h.router.handle(), 0, ZMQ_POLLIN, 0}};
        zmq::poll(items, 2, 10ms);
        if (items[0].revents & ZMQ_POLLIN) h.subscriber->on_events_readable();
        if (items[1].revents & ZMQ_POLLIN) request = transport::recv_message(h.router);
        h.subscriber->tick();
        return request.size() == 2;
      },
      3s));
  EnvelopeBuilder foreign("FI", wire::Service::TOOL, "probe.event", 1);
  foreign.init_payload<wire::ProbeEvent>().setIndex(1);
  std::string foreign_bytes = foreign.encode();
  EnvelopeBuilder page("PL", wire::Service::TOOL, "platform.catchup.page");
  auto body = page.init_payload<wire::CatchupPage>();
  body.setOrigin("PL");
  body.setWriterLastSeq(1);
  body.initEvents(1).set(0,
                         capnp::Data::Reader(reinterpret_cast<const uint8_t*>(foreign_bytes.data()),
                                             foreign_bytes.size()));
  h.router.send(request[0], zmq::send_flags::sndmore);
  h.router.send(zmq::buffer(page.encode()), zmq::send_flags::none);
  REQUIRE(testing::eventually(
      [&] {
        zmq::pollitem_t item{h.dealer.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, 10ms);
        if (item.revents & ZMQ_POLLIN) h.subscriber->on_sync_readable();
        return h.subscriber->stats().malformed > 0;
      },
      3s));
  // Refused, and passed over at its known number (PL #1) so that PL's stream goes
  // on (outside findings, wave 3: waiting for it stopped the country for good).
  CHECK(h.subscriber->cursor("PL") == 1);
  CHECK(h.subscriber->cursor("FI") == 0);
  CHECK(h.state.chain().count == 0);
  CHECK(h.subscriber->stats().foreign_origin == 1);
  CHECK(h.subscriber->stats().rejected == 1);
  CHECK(log.lines_with("a catch-up page of PL carries an event of origin FI: refused") == 1);
}

TEST_CASE("a head the writer cannot serve is asked for at most 5 times a second",
          "[system][subscriber]") {
  Harness h;
  h.pump(50ms);
  h.write(10, [](uint64_t) { return true; });
  h.pump(200ms);
  REQUIRE(h.subscriber->cursor("PL") == 10);
  // A heartbeat announcing far more than the writer's log holds (a writer restored
  // from a backup announced its old head): its pages bring nothing new.
  EnvelopeBuilder beat("PL", wire::Service::TOOL, "platform.heartbeat");
  auto heads = beat.init_payload<wire::Heartbeat>().initHeads(1);
  heads[0].setOrigin("PL");
  heads[0].setLastSeq(1000);
  h.pub.send(zmq::buffer(replication::event_frame("platform.heartbeat", beat.encode())));
  auto asked_before = h.subscriber->stats().requests;
  h.pump(2s);
  auto asked = h.subscriber->stats().requests - asked_before;
  CHECK(asked >= 1);
  CHECK(asked <= 10);
  // The writer's own word, from its page, replaces what was announced.
  CHECK(h.subscriber->writer_head("PL") == 10);
  CHECK_FALSE(h.subscriber->regressed("PL"));
  // New events still flow at once.
  h.write(5, [](uint64_t seq) { return seq != 11; });
  h.pump(300ms);
  CHECK(h.subscriber->cursor("PL") == 15);
  CHECK(h.state.chain().digest_hex() == h.expected.digest_hex());
}

TEST_CASE("a head announced again and again is still asked for at most 5 times a second",
          "[system][subscriber]") {
  Harness h;
  h.pump(50ms);
  h.write(10, [](uint64_t) { return true; });
  h.pump(200ms);
  REQUIRE(h.subscriber->cursor("PL") == 10);
  // A writer that keeps announcing a head its pages never reach (a relay announcing
  // what it cannot serve): each announcement is new evidence, but the minimum gap
  // between two requests holds.
  EnvelopeBuilder beat("PL", wire::Service::TOOL, "platform.heartbeat");
  auto heads = beat.init_payload<wire::Heartbeat>().initHeads(1);
  heads[0].setOrigin("PL");
  heads[0].setLastSeq(1000);
  std::string frame = replication::event_frame("platform.heartbeat", beat.encode());
  auto asked_before = h.subscriber->stats().requests;
  for (int i = 0; i < 50; ++i) {  // one second
    h.pub.send(zmq::buffer(frame));
    h.pump(20ms);
  }
  auto asked = h.subscriber->stats().requests - asked_before;
  CHECK(asked >= 2);
  CHECK(asked <= 7);  // 5 a second, and one at each edge of the second
  CHECK(h.subscriber->cursor("PL") == 10);
}

TEST_CASE("a placeholder moves the cursor and applies nothing", "[system][subscriber]") {
  Harness h;
  h.pump(50ms);
  h.write(2, [](uint64_t) { return true; });
  // Seq 3 is a refused event's marker in the writer's log, as a relay writes it.
  EnvelopeBuilder refused("PL", wire::Service::TOOL, "probe.event", 3);
  refused.init_payload<wire::ProbeEvent>().setIndex(3);
  auto bytes = refused.encode();
  auto event = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  REQUIRE(event.ok());
  rocksdb::WriteBatch batch;
  auto marker = h.log.relay_passed_over(batch, event.value(),
                                        Failure{ErrorCode::NOT_AUTHORISED, "not its own", ""});
  REQUIRE(h.writer_db->commit(batch).ok());
  h.log.committed();
  h.publisher.publish(marker);
  h.write(2, [](uint64_t) { return true; });
  h.pump(300ms);
  CHECK(h.subscriber->cursor("PL") == 5);
  CHECK(h.subscriber->stats().passed_over == 1);
  CHECK(h.subscriber->stats().rejected == 0);
  CHECK(h.state.chain().count == 4);  // the probe applied the four real events only
  CHECK(h.state.chain().digest_hex() == h.expected.digest_hex());
}
