// Registry requests from any caller, and peers' events: the input's first bytes
// pick the route (any request type of the registry's table, or the replica applier
// as one more: apply_peer_event, as the subscriber calls it), the caller's role among those the
// route admits (the api server refuses the others before a handler runs) and whether the batch
// commits or is lost; the rest is decoded as the request envelope and handed to the real handler,
// as ApiServer::dispatch would, over one store opened once in a temporary directory and kept across
// inputs (state builds up as in a service). A crash, a sanitizer report, an exception other than
// the kj::Exception the api server turns into a `malformed` reply, or a reply that is not an
// envelope is a finding.
#include <optional>

#include "common/envelope/envelope.hpp"
#include "tests/fuzz/fuzz_target.hpp"
#include "tests/fuzz/registry_routes.hpp"
#include "tests/fuzz/report.hpp"
#include "tests/fuzz/scratch_dir.hpp"

using namespace gosmart;

namespace {

struct Node {
  bool quiet = (fuzz::discard_logs(), true);  // before the core logs anything
  fuzz::ScratchDir dir{"registry"};
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", registry::registry_column_families());
  replication::EventLog log{*db, "PL", wire::Service::REGISTRY};
  registry::LanguageCodes languages{std::set<std::string>{"en", "pl", "fi", "de"}};
  registry::Registry core{
      *db,
      log,
      {"registry", "fuzz", "PL", wire::Service::REGISTRY},
      {"PL", config::default_members(), &languages, [] { return std::string("2026-11-30"); }, 500}};

  // A peer's event, as ReplicaApplier applies it (without relaying it on).
  void apply_peer_event(const DecodedEnvelope& event, bool commit) {
    store::StagingBatch batch(*db);
    auto applied = guarded([&]() -> Status { return core.apply_peer_event(event, batch); });
    if (applied.ok() && commit && db->commit(batch.batch(), store::Durability::no_sync).ok()) {
      core.replicas_committed();
    } else {
      core.replicas_aborted();
    }
  }

  // The group commit after each request: durable (without fsync: durability is not
  // what is fuzzed here) or failed, so both landed() and lost() run.
  void end_batch(bool commit) {
    if (!core.has_changes()) return;
    auto batch = core.seal();
    if (commit && db->commit(batch, store::Durability::no_sync).ok()) {
      log.committed(core.in_flight_events());
      core.landed();
    } else {
      log.aborted();
      core.lost();
    }
  }
};

Node& node() {
  static Node instance;
  return instance;
}

const char* caller_name(config::Role role) {
  switch (role) {
    case config::Role::peer:
      return "FI";
    case config::Role::broker:
      return "alice";
    case config::Role::integration:
      return "portal";
    default:
      return "watcher";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  auto& n = node();
  const auto& routes = fuzz::registry_routes();
  const uint8_t flags = data[2];
  auto decoded = decode_envelope({data + 3, size - 3});
  if (data[0] % (routes.size() + 1) == routes.size()) {
    if (decoded.ok()) n.apply_peer_event(decoded.value(), flags & 1);
    return 0;
  }
  const auto& route = routes[data[0] % (routes.size() + 1)];
  auto role = std::next(route.roles.begin(), data[1] % route.roles.size());
  transport::Identity caller{caller_name(*role), *role};
  if (flags & 2) n.core.expire_due();
  if (decoded.ok()) {
    service::Request request{caller, decoded.value()};
    auto reply = guarded([&]() -> Result<std::string> { return route.handler(n.core, request); });
    fuzz::report(route.type, reply);
    if (reply.ok()) {
      const auto& bytes = reply.value();
      EnvelopeLimits unbounded;
      unbounded.max_bytes = std::size_t{1} << 30;
      GOSMART_FUZZ_CHECK(
          decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, unbounded)
              .ok());
    }
  }
  n.end_batch(flags & 1);
  return 0;
}
