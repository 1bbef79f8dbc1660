#include "bench/baselines.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <zmq.hpp>

#include "common/store/keys.hpp"
#include "common/store/store.hpp"

namespace gosmart::bench {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const std::string& name, double value, const std::string& unit) {
  std::printf("%s %.4g %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

void settle_disk() {
  ::sync();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gosmart-bench-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

double raw_zmq_push_pull(std::size_t message_bytes, uint64_t messages) {
  zmq::context_t context(1);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  pull.bind("tcp://127.0.0.1:*");
  std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
  std::string payload(message_bytes, 'x');

  std::thread sender([&] {
    zmq::socket_t push(context, zmq::socket_type::push);
    push.connect(endpoint);
    for (uint64_t i = 0; i < messages; ++i) push.send(zmq::buffer(payload));
  });
  zmq::message_t message;
  (void)pull.recv(message);  // timing starts once the connection carries data
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i < messages; ++i) (void)pull.recv(message);
  double elapsed = seconds_since(start);
  sender.join();
  return static_cast<double>(messages - 1) / elapsed;
}

double raw_rocksdb_batch_sync(const std::filesystem::path& dir, std::size_t value_bytes,
                              std::size_t batch, uint64_t values,
                              const store::StoreOptions& options) {
  auto db = store::Store::open(dir, {"data"}, options);
  auto* cf = db->cf("data");
  std::string value(value_bytes, 'v');
  auto start = std::chrono::steady_clock::now();
  for (uint64_t written = 0; written < values;) {
    rocksdb::WriteBatch wb;
    for (std::size_t i = 0; i < batch && written < values; ++i, ++written) {
      wb.Put(cf, store::keys::u64(written), value);
    }
    if (!db->commit(wb, store::Durability::sync).ok()) return 0;
  }
  return static_cast<double>(values) / seconds_since(start);
}

}  // namespace gosmart::bench
