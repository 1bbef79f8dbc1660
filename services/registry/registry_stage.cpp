#include "services/registry/registry_stage.hpp"

#include <algorithm>
#include <ctime>

#include "common/store/keys.hpp"

namespace gosmart::registry {

std::string today_utc() {
  // Asked on every request; the date only changes once a day.
  thread_local std::time_t cached_day = -1;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now / 86400 == cached_day) return cached;
  cached_day = now / 86400;
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[11];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  cached = text;
  return cached;
}

RegistryStage::RegistryStage(store::Store& store_in, replication::EventLog& log_in,
                             service::ServiceInfo info_in, RegistryOptions options_in)
    : store(store_in),
      log(log_in),
      info(std::move(info_in)),
      options(std::move(options_in)),
      batch(store_in),
      outbox(store_in, kOutbox) {
  if (!options.today) options.today = today_utc;
}

ValidationContext RegistryStage::context() const {
  return {options.country, options.members, options.languages, options.today()};
}

uint64_t RegistryStage::counter_value(const std::string& key) {
  auto it = counters_.find(key);
  if (it != counters_.end()) return it->second;
  auto stored = store.get(store.cf(kCounters), key);
  uint64_t value = 0;
  if (stored && stored.value()) value = store::keys::read_u64(*stored.value()).value_or(0);
  counters_.emplace(key, value);
  return value;
}

uint64_t RegistryStage::next_counter(const std::string& key) {
  uint64_t next = counter_value(key) + 1;
  counters_[key] = next;
  dirty_counters_.insert(key);
  return next;
}

void RegistryStage::counter_past(const std::string& key, uint64_t value) {
  if (counter_value(key) >= value) return;
  counters_[key] = value;
  dirty_counters_.insert(key);
}

rocksdb::WriteBatch RegistryStage::seal(const std::function<void()>& before_seal) {
  if (before_seal) before_seal();
  // Counters go into the batch once per commit, not once per use: a bulk import
  // would otherwise write the organisation sequence hundreds of times a batch.
  for (const auto& key : dirty_counters_) {
    batch.put(store.cf(kCounters), key, store::keys::u64(counters_.at(key)));
  }
  dirty_counters_.clear();
  in_flight = std::move(staging);
  staging = Generation{};
  return batch.seal();
}

void RegistryStage::landed() {
  batch.landed();
  organisations += in_flight.new_organisations;
  organisations -= std::min<uint64_t>(organisations, in_flight.erased.size());
  own_published += in_flight.published_delta;
  if (!in_flight.erased.empty()) scrubber.request();
  in_flight = Generation{};
}

void RegistryStage::lost() {
  dirty_counters_.clear();
  batch.lost();
  counters_.clear();  // reloaded from the store on next use
  staging = Generation{};
  in_flight = Generation{};
}

}  // namespace gosmart::registry
