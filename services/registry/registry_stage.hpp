#pragma once
// The one staging/commit class every part of the registry (organisations, profiles,
// expressions of interest, the action log, replicas) writes through: one
// StagingBatch per group commit, the events and counts it carries, and the id
// counters, written once per commit. Pipelined: seal() puts a generation in flight
// (its fsync runs while the next one is staged); landed() or lost() ends it. Reads
// through `batch` see staged and in-flight writes.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/outbox/queue.hpp"
#include "common/replication/event_log.hpp"
#include "common/service/api_server.hpp"
#include "common/service/idempotency.hpp"
#include "common/store/scrubber.hpp"
#include "common/store/staging_batch.hpp"
#include "common/store/store.hpp"
#include "services/registry/domain/validation.hpp"

namespace gosmart::registry {

inline constexpr const char* kOrgs = "orgs";
inline constexpr const char* kProfiles = "profiles";
inline constexpr const char* kReplicaOrgs = "replica_orgs";
inline constexpr const char* kReplicaProfiles = "replica_profiles";
inline constexpr const char* kCounters = "counters";
inline constexpr const char* kCursors = "cursors";
inline constexpr const char* kEois = "eois";
inline constexpr const char* kEoiOpen = "eoi_open";  // senderOrgId/profileId -> eoi id
inline constexpr const char* kOutbox = "outbox";     // common/outbox: country -> requests
inline constexpr const char* kActions = "actions";   // seq (big-endian) -> BrokerAction
// National registry (VAT) id, normalised -> id of the organisation that has it.
inline constexpr const char* kNationalIds = "national_ids";

struct RegistryOptions {
  std::string country;
  std::vector<std::string> members;
  const LanguageCodes* languages = nullptr;
  std::function<std::string()> today;  // YYYY-MM-DD, UTC; injectable for tests
  uint32_t max_page = 500;
  uint32_t max_open_eois = 10;  // per organisation
  // A page of the action log is cut before its entries pass this many bytes (and
  // names where to go on): free text must not make a reply over the message limit.
  std::size_t max_page_bytes = 512 * 1024;
  // Keys the national id index (national_id_index.hpp): the node's secret key.
  std::string index_secret = {};
};

std::string today_utc();

// What one generation of the group commit carries besides its writes.
struct Generation {
  std::vector<replication::StagedEvent> events;
  uint64_t new_organisations = 0;
  std::vector<std::string> erased;  // org ids to compact once durable
  int64_t published_delta = 0;      // own published profiles gained (or lost)
};

class RegistryStage {
 public:
  RegistryStage(store::Store& store, replication::EventLog& log, service::ServiceInfo info,
                RegistryOptions options);

  store::Store& store;
  replication::EventLog& log;
  service::ServiceInfo info;
  RegistryOptions options;
  store::StagingBatch batch;
  // Requests to peer registries, staged with the change that causes them.
  outbox::Queue outbox;
  // The kept replies of writes: erasure drops those that carry an organisation's data.
  service::IdempotencyStore* kept_replies = nullptr;
  Generation staging;
  Generation in_flight;

  uint64_t next_counter(const std::string& key);
  uint64_t counter_value(const std::string& key);
  void counter_past(const std::string& key, uint64_t value);  // at least `value`
  ValidationContext context() const;

  bool has_changes() const { return !batch.empty() || !dirty_counters_.empty(); }
  // `before_seal` runs first (the action log takes its numbers there).
  rocksdb::WriteBatch seal(const std::function<void()>& before_seal);
  void landed();
  void lost();

  // Durable counts, kept as generations land.
  uint64_t organisations = 0;
  int64_t own_published = 0;

  // Erasure leaves tombstones, and the old bytes sit in the WAL and SST files until
  // flush and compaction: once an erasure's batch is durable, this removes them.
  store::Scrubber scrubber{store};

 private:
  std::map<std::string, uint64_t> counters_;  // staged values, reloaded on abort
  std::set<std::string> dirty_counters_;      // changed since the last commit
};

// A part of the registry: the stage's members under the names its code uses.
class StagedPart {
 protected:
  explicit StagedPart(RegistryStage& stage)
      : stage_(stage),
        store_(stage.store),
        log_(stage.log),
        batch_(stage.batch),
        options_(stage.options),
        info_(stage.info),
        staging_(stage.staging) {}
  uint64_t next_counter(const std::string& key) { return stage_.next_counter(key); }
  ValidationContext context() const { return stage_.context(); }

  RegistryStage& stage_;
  store::Store& store_;
  replication::EventLog& log_;
  store::StagingBatch& batch_;
  const RegistryOptions& options_;
  const service::ServiceInfo& info_;
  Generation& staging_;
};

}  // namespace gosmart::registry
