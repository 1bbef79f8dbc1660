// registry: real gosmart-registry processes on loopback (see bench/README.md).
//  - ingest: durable registrations/s through one node's api, pipelined, against raw
//    RocksDB WriteBatch+sync of records of the same size;
//  - replication latency: PL changes at a fixed rate, each timed from PL's own
//    stream to its relay by each of six peers (a relay is sent after the peer's
//    commit, so it marks the change durably applied there);
//  - catch-up: a peer down while PL takes many changes, timed from its restart
//    until it has applied them all;
//  - bare hop: the limit a registration meets on the way in, with the same
//    registrations sent the same way to a server that does no domain work.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "bench/baselines.hpp"
#include "common/replication/event_frame.hpp"
#include "tests/support/registry_federation.hpp"

using namespace gosmart;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string registration(const std::string& country, uint64_t n) {
  EnvelopeBuilder request(country, wire::Service::CTL, "registry.org.register");
  auto write = request.init_payload<wire::OrgWrite>();
  write.setReceiptOnly(true);  // a bulk client: it holds what it sent
  auto org = write.initOrganisation();
  testing::fill_org(org);
  org.setCountry(country);
  org.setRegion(country + "63");
  org.setLegalName("Benchmark organisation " + std::to_string(n));
  return request.encode();
}

// The baseline writes values of the size of one registration's organisation record.
std::size_t stored_record_bytes() {
  return registration("PL", 1).size();
}

uint64_t ok_replies(const std::vector<std::string>& replies) {
  uint64_t ok = 0;
  for (const auto& reply : replies) {
    auto d = decode_envelope({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
    if (d && d.value().header().type == "registry.org.reply") ++ok;
  }
  return ok;
}

uint64_t applied_from(testing::Federation& f, const std::string& node, const std::string& origin) {
  testing::ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at(node).registry.api, f.key(node), 1s);
  return health ? health->applied[origin] : 0;
}

double ingest(uint64_t count) {
  testing::Federation f({"PL"});
  std::vector<std::string> requests;
  for (uint64_t i = 0; i < count; ++i) requests.push_back(registration("PL", i));
  testing::ApiClient client(f.broker.keys);
  auto start = Clock::now();
  auto replies = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), requests, 4096, 300s);
  double seconds = bench::seconds_since(start);
  if (ok_replies(replies) != count) {
    std::fprintf(stderr, "ingest: only %lu of %lu stored\n",
                 static_cast<unsigned long>(ok_replies(replies)),
                 static_cast<unsigned long>(count));
    return 0;
  }
  return static_cast<double>(count) / seconds;
}

// The same pipelined CURVE DEALER -> ROUTER traffic as `ingest`, against a server that
// does only what any durable hop must: read the envelope (its id names the reply),
// put the request's bytes in one RocksDB WriteBatch per drain, sync it, and answer
// each request with a receipt carrying its correlation id. No validation, no
// numbering, no events, no pipelining of syncs: what is left of a registration's
// cost once the domain is taken out.
double bare_hop_per_s(uint64_t count) {
  auto server_keys = curve::generate_keypair();
  auto client_keys = curve::generate_keypair();
  transport::Allowlist allowlist;
  allowlist.allow(client_keys.public_key, {"bench", config::Role::broker});
  transport::Transport server(server_keys, std::move(allowlist));
  auto router = server.bind(zmq::socket_type::router, "tcp://127.0.0.1:*");
  std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  auto dir = bench::scratch_dir("registry-bare-hop");
  auto db = store::Store::open(dir, {"data"});
  auto* cf = db->cf("data");
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::thread loop([&] {
    struct Pending {
      zmq::message_t routing_id;
      MessageId id;
    };
    std::vector<Pending> pending;
    while (!stop.load()) {
      zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(50));
      rocksdb::WriteBatch batch;
      pending.clear();
      zmq::message_t routing_id, body;
      while (pending.size() < 4096 && router.recv(routing_id, zmq::recv_flags::dontwait)) {
        if (!router.recv(body)) break;
        auto decoded = decode_envelope({body.data<uint8_t>(), body.size()});
        if (!decoded) continue;
        const auto& id = decoded.value().header().message_id;
        batch.Put(cf, rocksdb::Slice(reinterpret_cast<const char*>(id.data()), id.size()),
                  rocksdb::Slice(body.data<char>(), body.size()));
        pending.push_back({std::move(routing_id), id});
      }
      if (pending.empty()) continue;
      if (!db->commit(batch, store::Durability::sync).ok()) {
        failed = true;
        return;
      }
      for (auto& p : pending) {
        EnvelopeHeader header;
        header.message_id = random_message_id();
        header.origin_country = "PL";
        header.origin_service = wire::Service::REGISTRY;
        header.type = std::string(wire_type(wire::REGISTRY_ORG_REPLY));
        header.timestamp_us = now_us();
        header.correlation_id = p.id;
        EnvelopeBuilder reply(header);
        reply.init_payload<wire::OrgReply>().initReceipt().setId("PL-000001");
        router.send(p.routing_id, zmq::send_flags::sndmore);
        router.send(zmq::buffer(reply.encode()), zmq::send_flags::none);
      }
    }
  });
  std::vector<std::string> requests;
  for (uint64_t i = 0; i < count; ++i) requests.push_back(registration("PL", i));
  testing::ApiClient client(client_keys);
  auto start = Clock::now();
  auto replies = client.pipeline(endpoint, server_keys.public_key, requests, 4096, 300s);
  double seconds = bench::seconds_since(start);
  stop = true;
  loop.join();
  router.close();
  db.reset();  // closed before its files go (a compaction may still be removing some)
  std::filesystem::remove_all(dir);
  if (failed.load() || ok_replies(replies) != count) {
    std::fprintf(stderr, "bare hop: %lu of %lu answered\n",
                 static_cast<unsigned long>(ok_replies(replies)),
                 static_cast<unsigned long>(count));
    return 0;
  }
  return static_cast<double>(count) / seconds;
}

// Receives a node's event stream and notes when each PL event first shows up.
struct StreamWatch {
  zmq::socket_t socket;
  std::map<uint64_t, Clock::time_point> seen;
};

double replication_p99_ms(int rate, int seconds) {
  testing::Federation f({"PL", "FI", "DK", "DE", "LV", "EE", "LT"});
  transport::Transport transport(f.watcher.keys, {});
  std::map<std::string, StreamWatch> watches;
  for (auto& [country, node] : f.nodes) {
    auto socket = transport.connect(zmq::socket_type::sub, node.registry.events, f.key(country));
    socket.set(zmq::sockopt::subscribe, "PL:");  // PL's events and their relays
    watches.emplace(country, StreamWatch{std::move(socket), {}});
  }
  std::this_thread::sleep_for(1s);  // handshakes and subscriptions settle

  transport::Transport broker(f.broker.keys, {});
  auto api = broker.connect(zmq::socket_type::dealer, f.nodes.at("PL").registry.api, f.key("PL"));
  int total = rate * seconds;
  auto start = Clock::now();
  auto poll_streams = [&](std::chrono::milliseconds wait) {
    std::vector<zmq::pollitem_t> items;
    for (auto& [c, w] : watches) items.push_back({w.socket.handle(), 0, ZMQ_POLLIN, 0});
    zmq::poll(items.data(), items.size(), wait);
    auto now = Clock::now();
    for (auto& [c, w] : watches) {
      zmq::message_t frame;
      while (w.socket.recv(frame, zmq::recv_flags::dontwait)) {
        auto split = replication::split_event_frame({frame.data<uint8_t>(), frame.size()});
        std::vector<std::span<const uint8_t>> pieces;
        if (!split || !replication::split_envelopes(split->envelopes, pieces)) continue;
        for (auto piece : pieces) {
          auto d = decode_envelope(piece);
          if (d && d.value().header().origin_country == "PL") {
            w.seen.emplace(d.value().header().origin_seq, now);
          }
        }
      }
    }
  };
  zmq::message_t reply;
  for (int sent = 0; sent < total;) {
    auto due = start + std::chrono::microseconds(static_cast<int64_t>(sent) * 1'000'000 / rate);
    if (Clock::now() >= due) {
      api.send(zmq::buffer(registration("PL", static_cast<uint64_t>(sent))), zmq::send_flags::none);
      ++sent;
    }
    while (api.recv(reply, zmq::recv_flags::dontwait)) {
    }
    // Sleep in poll until the next change is due: a busy loop here took one of the
    // machine's two cores from the nodes it measures. Arrivals are stamped when poll
    // returns, so waiting does not blur them; a send may be up to 1 ms late, which
    // does not count, as latency is taken from PL's own stream.
    auto next = start + std::chrono::microseconds(static_cast<int64_t>(sent) * 1'000'000 / rate);
    auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now());
    poll_streams(std::clamp(left, 0ms, 1ms));
  }
  auto drain_until = Clock::now() + 15s;
  while (Clock::now() < drain_until) {
    poll_streams(20ms);
    bool all = std::all_of(watches.begin(), watches.end(), [&](auto& entry) {
      return entry.second.seen.size() >= static_cast<std::size_t>(total);
    });
    if (all) break;
  }
  std::vector<double> latencies;
  const auto& origin = watches.at("PL").seen;
  uint64_t missing = 0;
  for (auto& [country, watch] : watches) {
    if (country == "PL") continue;
    for (const auto& [seq, at] : origin) {
      auto it = watch.seen.find(seq);
      if (it == watch.seen.end()) {
        ++missing;
        continue;
      }
      latencies.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
    }
  }
  if (missing) std::fprintf(stderr, "replication: %lu relays not seen\n", (unsigned long)missing);
  if (latencies.empty()) return -1;
  std::sort(latencies.begin(), latencies.end());
  bench::report("registry.replication_p50_ms", latencies[latencies.size() / 2], "ms");
  bench::report("registry.replication_samples", static_cast<double>(latencies.size()), "count");
  return latencies[latencies.size() * 99 / 100];
}

double catchup_per_s(uint64_t events) {
  testing::Federation f({"PL", "DK"});
  f.processes.at("DK")->kill_hard();
  std::vector<std::string> requests;
  for (uint64_t i = 0; i < events; ++i) requests.push_back(registration("PL", i));
  testing::ApiClient client(f.broker.keys);
  auto replies = client.pipeline(f.nodes.at("PL").registry.api, f.key("PL"), requests, 256, 600s);
  if (ok_replies(replies) != events) return 0;
  f.start("DK");
  auto start = Clock::now();
  bool done = testing::eventually([&] { return applied_from(f, "DK", "PL") >= events; }, 300s);
  double seconds = bench::seconds_since(start);
  return done ? static_cast<double>(events) / seconds : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"registry benchmark"};
  uint64_t ingest_count = 100000;
  int rate = 1000;
  int seconds = 5;
  uint64_t outage = 100000;
  app.add_option("--ingest", ingest_count, "registrations for the ingest figure");
  app.add_option("--rate", rate, "changes per second for the replication latency");
  app.add_option("--seconds", seconds, "how long the replication load runs");
  app.add_option("--outage-events", outage, "changes a peer misses before catching up");
  std::string only;
  app.add_option("--only", only, "one figure: ingest, replication, catchup or guard")
      ->check(CLI::IsMember({"ingest", "replication", "catchup", "guard"}));
  CLI11_PARSE(app, argc, argv);

  auto wanted = [&](const char* name) { return only.empty() || only == name; };
  if (wanted("ingest")) {
    // The disk's fsync time wanders from one second to the next: the baseline is
    // the median of three runs, one before the registry's and two after.
    auto raw_run = [&](int n) {
      auto dir = bench::scratch_dir("registry-raw-" + std::to_string(n));
      bench::settle_disk();
      double per_s = bench::raw_rocksdb_batch_sync(dir, stored_record_bytes(), 256, ingest_count);
      std::filesystem::remove_all(dir);
      return per_s;
    };
    std::vector<double> raw_runs{raw_run(0)};
    bench::settle_disk();
    double ingested = ingest(ingest_count);
    raw_runs.push_back(raw_run(1));
    bench::settle_disk();
    double bare_hop = bare_hop_per_s(ingest_count);
    raw_runs.push_back(raw_run(2));
    double raw = bench::median(raw_runs);
    bench::report("registry.raw_rocksdb_batch_sync_per_s", raw, "records/s");
    bench::report("registry.bare_hop_per_s", bare_hop, "requests/s");
    bench::report("registry.ingest_per_s", ingested, "registrations/s");
    bench::report("registry.ingest_ratio", ingested / raw, "x");
    // Says where the limit is (no target): near 1, the domain costs little beyond
    // the network and the sync; well below, the registry's own work is the limit.
    bench::report("registry.ingest_hop_ratio", bare_hop > 0 ? ingested / bare_hop : 0, "x");
  }
  if (wanted("guard")) {
    // The free-room guard (StoreOptions::min_free_bytes, a statvfs before each
    // commit) against the same synced commits without it, interleaved three times.
    std::vector<double> guarded, plain;
    for (int n = 0; n < 3; ++n) {
      for (bool guard : {false, true}) {
        auto dir = bench::scratch_dir("registry-guard-" + std::to_string(n));
        store::StoreOptions options;
        options.min_free_bytes = guard ? std::uint64_t{1} : 0;
        bench::settle_disk();
        double per_s = bench::raw_rocksdb_batch_sync(dir, stored_record_bytes(), 16,
                                                     ingest_count / 5, options);
        std::filesystem::remove_all(dir);
        (guard ? guarded : plain).push_back(per_s);
      }
    }
    bench::report("store.unguarded_commit_per_s", bench::median(plain) / 16, "commits/s");
    bench::report("store.guarded_commit_per_s", bench::median(guarded) / 16, "commits/s");
    bench::report("store.free_room_guard_ratio", bench::median(guarded) / bench::median(plain),
                  "x");
  }
  if (wanted("replication")) {
    bench::settle_disk();
    bench::report("registry.replication_p99_ms", replication_p99_ms(rate, seconds), "ms");
  }
  if (wanted("catchup")) {
    bench::settle_disk();
    double catchup = catchup_per_s(outage);
    bench::report("registry.catchup_events_per_s", catchup, "events/s");
  }
  return 0;
}
