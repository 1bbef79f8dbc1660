#pragma once
// The storage seam, for tests: while a TestEnv lives, every Store this process
// opens uses its RocksDB Env (tests give one over a file system that fails writes
// and drops unsynced data: tests/support/fault_file_system.hpp) instead of the
// default one. Nothing in a service makes one. A store opened under a TestEnv must be
// closed before the TestEnv ends: the Env outlives the databases that use it.
// (A process-wide seam, like the crash and break points, so that StoreOptions and
// store.hpp, included nearly everywhere, stay as they are.)
#include <rocksdb/env.h>

#include <memory>

namespace gosmart::store {

class TestEnv {
 public:
  explicit TestEnv(std::shared_ptr<rocksdb::Env> env);
  ~TestEnv();
  TestEnv(const TestEnv&) = delete;
  TestEnv& operator=(const TestEnv&) = delete;
};

// The Env of the live TestEnv; null (RocksDB's default) when there is none.
rocksdb::Env* test_env();

}  // namespace gosmart::store
