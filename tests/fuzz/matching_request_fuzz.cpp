// Matching requests, and the registry events it applies, from any caller: the
// input's first bytes pick the route (any request type of MatchingCore::install(),
// or the registry stream's applier as one more), the caller's role among those the
// route admits and whether the batch commits or is lost; the rest is decoded as the
// envelope and handed to the real code without sockets. One store, opened once in a
// temporary directory and seeded with matching_fixture.hpp's profiles, is kept
// across inputs. A crash, a sanitizer report, an exception other than the
// kj::Exception the api server turns into a `malformed` reply, or a reply that is
// not an envelope is a finding.
#include <functional>
#include <set>

#include "common/envelope/envelope.hpp"
#include "services/matching/matching.hpp"
#include "tests/fuzz/fuzz_target.hpp"
#include "tests/fuzz/matching_fixture.hpp"
#include "tests/fuzz/matching_routes.hpp"
#include "tests/fuzz/report.hpp"
#include "tests/fuzz/scratch_dir.hpp"

using namespace gosmart;

namespace {

struct Node {
  bool quiet = (fuzz::discard_logs(), true);  // before the core logs anything
  fuzz::ScratchDir dir{"matching"};
  std::unique_ptr<store::Store> db =
      store::Store::open(dir.path() / "db", matching::matching_column_families());
  replication::EventLog log{*db, "PL", wire::Service::MATCHING};
  matching::MatchingCore core{*db, log, {"matching", "fuzz", "PL", wire::Service::MATCHING}, [] {
                                matching::MatchingOptions options;
                                options.country = "PL";
                                options.broker_approval = true;  // so the queue fills
                                return options;
                              }()};

  Node() {
    core.load();
    uint64_t seq = 0;
    for (const auto& profile : fuzz::matching_fixture_profiles()) {
      auto bytes = fuzz::published_event(profile, ++seq);
      apply(decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).value(),
            true);
    }
  }

  // As the subscriber does: a batch per drain of events, committed or failed.
  void apply(const DecodedEnvelope& event, bool commit) {
    store::StagingBatch batch(*db);
    auto applied = guarded([&] { return core.apply(event, batch); });
    if (applied.ok() && commit && db->commit(batch.batch(), store::Durability::no_sync).ok()) {
      core.committed();
    } else {
      core.aborted();
    }
  }

  // The api's group commit after each request (broker decisions write), as the
  // pipeline runs it: sealed, then landed or lost.
  void end_api_batch(bool commit) {
    if (!core.api_pending()) return;  // as services/matching/main.cpp
    auto batch = core.seal_api();
    if (commit && db->commit(batch, store::Durability::no_sync).ok()) {
      core.api_landed();
    } else {
      core.api_lost();
    }
  }
};

Node& node() {
  static Node instance;
  return instance;
}

const char* caller_name(config::Role role) {
  switch (role) {
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
  const auto& routes = fuzz::matching_routes();
  const bool commit = data[2] & 1;
  auto decoded = decode_envelope({data + 3, size - 3});
  if (data[0] % (routes.size() + 1) == routes.size()) {
    if (decoded.ok()) n.apply(decoded.value(), commit);
    return 0;
  }
  const auto& route = routes[data[0] % (routes.size() + 1)];
  auto role = std::next(route.roles.begin(), data[1] % route.roles.size());
  transport::Identity caller{caller_name(*role), *role};
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
  n.end_api_batch(commit);
  return 0;
}
