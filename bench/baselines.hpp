#pragma once
// Baselines measured in the same run as the thing they judge: the raw libraries
// doing the same work as strongly as they can be made to.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/store/store.hpp"

namespace gosmart::bench {

// Messages per second through a plain PUSH/PULL pair over tcp loopback
// (one sender thread, one receiver thread, default HWMs, no CURVE).
double raw_zmq_push_pull(std::size_t message_bytes, uint64_t messages);

// Values per second written with WriteBatch of `batch` puts and one sync each
// (WAL on, the same RocksDB options a service uses).
double raw_rocksdb_batch_sync(const std::filesystem::path& dir, std::size_t value_bytes,
                              std::size_t batch, uint64_t values,
                              const store::StoreOptions& options = {});

// One figure line: "<name> <value> <unit>".
void report(const std::string& name, double value, const std::string& unit);

// Lets the kernel write back what earlier phases left dirty, so one phase's
// writeback does not land in the next one's figure.
void settle_disk();
double median(std::vector<double> values);

std::filesystem::path scratch_dir(const std::string& name);
double seconds_since(std::chrono::steady_clock::time_point start);

}  // namespace gosmart::bench
