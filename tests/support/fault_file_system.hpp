#pragma once
// A file system for tests that fails on demand and forgets what was never synced:
// RocksDB's own FileSystemWrapper (Debian's RocksDB 7.8 ships no fault-injection
// header) around the default one, given to the stores a test opens through
// store::TestEnv (common/store/test_env.hpp).
//
//   auto faults = std::make_shared<testing::FaultFileSystem>();
//   store::TestEnv seam(faults->env());
//   auto store = store::Store::open(dir, families);
//   faults->fail_syncs(true);      // the next synced commit fails
//   faults->crash();               // from now on nothing reaches the disk ...
//   store.reset();                 // ... not even what closing would write
//   faults->drop_unsynced();       // each file cut back to what was last synced
//
// What a machine crash loses: every byte appended to a file after its last Sync or
// Fsync. (A file created but never made durable in its directory is kept, cut to
// its synced length: RocksDB ignores a file its MANIFEST does not name.)
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace gosmart::testing {

class FaultFileSystem : public rocksdb::FileSystemWrapper,
                        public std::enable_shared_from_this<FaultFileSystem> {
 public:
  // Bytes written to one file and, of those, bytes made durable by a sync.
  struct Written {
    std::mutex mutex;
    uint64_t size = 0;
    uint64_t synced = 0;
  };

  FaultFileSystem();
  static const char* kClassName() { return "GosmartFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // An Env over this file system for store::TestEnv (it keeps this alive).
  std::shared_ptr<rocksdb::Env> env();

  void fail_writes(bool fail) { fail_writes_ = fail; }  // Append and Truncate fail
  void fail_syncs(bool fail) { fail_syncs_ = fail; }    // Sync and Fsync fail
  // Nothing written from now on reaches a file: every write and sync fails.
  void crash() { crashed_ = true; }
  // Cuts every file this file system wrote back to its synced length; the number of
  // bytes dropped. Call after crash() and after the store is closed.
  uint64_t drop_unsynced();
  uint64_t failures() const { return failures_.load(); }

  // Used by the files this file system hands out.
  rocksdb::IOStatus check_write();
  rocksdb::IOStatus check_sync();

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;

 private:
  std::shared_ptr<Written> track(const std::string& name, uint64_t size_now);
  rocksdb::IOStatus wrap(const std::string& name, rocksdb::IOStatus opened,
                         std::unique_ptr<rocksdb::FSWritableFile>* result, uint64_t size_now);

  std::atomic<bool> fail_writes_{false};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<bool> crashed_{false};
  std::atomic<uint64_t> failures_{0};
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Written>> files_;
};

}  // namespace gosmart::testing
