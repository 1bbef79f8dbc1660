// replication: durable replicated events per second, writer -> tcp+CURVE ->
// subscriber applying durably, against raw RocksDB WriteBatch+sync and raw
// ZeroMQ PUSH/PULL measured in the same run. See bench/README.md.
#include <CLI/CLI.hpp>

#include <atomic>
#include <thread>

#include "bench/baselines.hpp"
#include "common/replication/event_log.hpp"
#include "common/replication/publisher.hpp"
#include "common/replication/subscriber.hpp"
#include "common/store/async_commit.hpp"
#include "common/store/keys.hpp"
#include "common/transport/transport.hpp"
#include "schemas/probe.capnp.h"

using namespace gosmart;
using namespace std::chrono_literals;

namespace {

// Stores every event's body under its sequence: the same 1 KiB put per event as
// the raw RocksDB baseline makes.
class StoringApplier : public replication::Applier {
 public:
  explicit StoringApplier(store::Store& db) : cf_(db.cf("data")) {}
  Status apply(const DecodedEnvelope& event, store::StagingBatch& batch) override {
    auto body = event.payload<wire::ProbeEvent>().getBody();
    batch.put_unread(cf_, store::keys::u64(event.header().origin_seq),
                     std::string_view(reinterpret_cast<const char*>(body.begin()), body.size()));
    return {};
  }

 private:
  rocksdb::ColumnFamilyHandle* cf_;
};

struct Args {
  uint64_t events = 100000;
  std::size_t value_bytes = 1024;
  std::size_t batch = 256;
  int rounds = 3;
};

double replicated_per_s(const Args& args, const std::filesystem::path& dir) {
  auto writer_keys = curve::generate_keypair();
  auto reader_keys = curve::generate_keypair();
  transport::Allowlist writer_allows;
  writer_allows.allow(reader_keys.public_key, {"FI", config::Role::peer});
  transport::SocketLimits limits;
  limits.high_water_mark = 100000;
  transport::Transport writer_transport(writer_keys, writer_allows, limits);
  transport::Transport reader_transport(reader_keys, {}, limits);
  std::string events_endpoint = "tcp://127.0.0.1:" + std::to_string(0);

  auto pub = writer_transport.bind(zmq::socket_type::pub, "tcp://127.0.0.1:*");
  auto router = writer_transport.bind(zmq::socket_type::router, "tcp://127.0.0.1:*");
  std::string pub_endpoint = pub.get(zmq::sockopt::last_endpoint);
  std::string sync_endpoint = router.get(zmq::sockopt::last_endpoint);

  std::atomic<bool> reader_ready{false};
  std::atomic<bool> done{false};
  std::chrono::steady_clock::time_point finished;
  replication::SubscriberStats reader_stats;

  std::thread reader([&] {
    pthread_setname_np(pthread_self(), "bench-reader");
    auto db = store::Store::open(dir / "reader", {"cursors", "data"});
    StoringApplier applier(*db);
    auto sub =
        reader_transport.connect(zmq::socket_type::sub, pub_endpoint, writer_keys.public_key);
    auto dealer =
        reader_transport.connect(zmq::socket_type::dealer, sync_endpoint, writer_keys.public_key);
    replication::SubscriberOptions options;
    options.origins = {"PL"};
    replication::Subscriber subscriber(*db, sub, dealer, applier, options);
    subscriber.start();
    auto ready_at = std::chrono::steady_clock::now() + 300ms;  // let the CURVE handshakes finish
    while (subscriber.cursor("PL") < args.events) {
      zmq::pollitem_t items[] = {{sub.handle(), 0, ZMQ_POLLIN, 0},
                                 {dealer.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, 10ms);
      if (items[0].revents & ZMQ_POLLIN) subscriber.on_events_readable();
      if (items[1].revents & ZMQ_POLLIN) subscriber.on_sync_readable();
      subscriber.tick();
      if (!reader_ready && std::chrono::steady_clock::now() > ready_at) reader_ready = true;
    }
    finished = std::chrono::steady_clock::now();
    reader_stats = subscriber.stats();
    done = true;
  });

  auto db = store::Store::open(dir / "writer", replication::event_log_column_families());
  replication::EventLog log(*db, "PL", wire::Service::TOOL);
  replication::Publisher publisher(pub, log, wire::Service::TOOL, 1000);
  replication::CatchupServer catchup(router, log, wire::Service::TOOL, {}, 1000);
  std::string body(args.value_bytes, 'b');
  while (!reader_ready) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, 5ms);
    if (item.revents & ZMQ_POLLIN) catchup.on_readable();
  }

  // The writer as a service runs it: the loop stages batch N+1 while batch N's
  // fsync runs on the committer thread, and publishes N when it lands.
  store::AsyncCommitter committer(*db);
  struct Staged {
    rocksdb::WriteBatch batch;
    std::vector<replication::StagedEvent> events;
  };
  std::optional<Staged> next;
  std::vector<replication::StagedEvent> in_flight;
  uint64_t staged_head = 0;
  auto start = std::chrono::steady_clock::now();
  auto last_beat = start;
  while (!done) {
    if (!next && staged_head < args.events) {
      next.emplace();
      for (std::size_t i = 0; i < args.batch && staged_head < args.events; ++i) {
        uint64_t seq = ++staged_head;
        next->events.push_back(
            log.append<wire::ProbeEvent>(next->batch, "probe.event", [&](auto e) {
              e.setIndex(seq);
              e.setBody(
                  capnp::Data::Reader(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
            }));
      }
    }
    if (next && !committer.busy()) {
      in_flight = std::move(next->events);
      committer.submit(std::move(next->batch), 0);
      next.reset();
    }
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, committer.notify_fd(), ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, next ? 5ms : (staged_head < args.events ? 0ms : 5ms));
    if (items[0].revents & ZMQ_POLLIN) catchup.on_readable();
    if (auto landed = committer.collect()) {
      if (!landed->status.ok()) return 0;
      log.committed(in_flight);
      publisher.publish(in_flight);
      in_flight.clear();
    }
    if (std::chrono::steady_clock::now() - last_beat > 100ms) {
      publisher.heartbeat();
      last_beat = std::chrono::steady_clock::now();
    }
  }
  reader.join();
  double elapsed = std::chrono::duration<double>(finished - start).count();
  if (reader_stats.applied_catchup > 0) {
    std::fprintf(stderr, "note: %lu events came through catch-up (PUB dropped them)\n",
                 static_cast<unsigned long>(reader_stats.applied_catchup));
  }
  return static_cast<double>(args.events) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"replication benchmark"};
  Args args;
  app.add_option("--events", args.events, "events to replicate");
  app.add_option("--value-bytes", args.value_bytes, "payload bytes per event");
  app.add_option("--batch", args.batch, "events per synced writer batch (and raw baseline batch)");
  app.add_option("--rounds", args.rounds, "alternating rounds of the durable pair (median)");
  CLI11_PARSE(app, argc, argv);

  auto dir = bench::scratch_dir("replication");
  double zmq_256 = bench::raw_zmq_push_pull(256, 1000000);
  double zmq_1k = bench::raw_zmq_push_pull(1024, 500000);
  // Disk figures wander with what the page cache still has to write back: the
  // durable pair is measured in alternating rounds, each after a sync(), and the
  // medians compared.
  std::vector<double> raw, durable;
  for (int round = 0; round < args.rounds; ++round) {
    bench::settle_disk();
    raw.push_back(bench::raw_rocksdb_batch_sync(dir / ("raw" + std::to_string(round)),
                                                args.value_bytes, args.batch, args.events));
    std::filesystem::remove_all(dir / ("raw" + std::to_string(round)));
    bench::settle_disk();
    durable.push_back(replicated_per_s(args, dir / ("pipe" + std::to_string(round))));
    std::filesystem::remove_all(dir / ("pipe" + std::to_string(round)));
  }
  std::filesystem::remove_all(dir);
  double rocksdb = bench::median(raw);
  double replicated = bench::median(durable);

  bench::report("replication.raw_zmq_256b_per_s", zmq_256, "msg/s");
  bench::report("replication.raw_zmq_1k_per_s", zmq_1k, "msg/s");
  bench::report("replication.raw_rocksdb_batch_sync_per_s", rocksdb, "ops/s");
  bench::report("replication.durable_per_s", replicated, "events/s");
  bench::report("replication.durable_ratio", replicated / rocksdb, "x");
  bench::report("replication.zmq_ratio", replicated / zmq_1k, "x");
  return 0;
}
