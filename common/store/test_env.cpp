#include "common/store/test_env.hpp"

#include <mutex>
#include <stdexcept>

namespace gosmart::store {

namespace {

std::mutex& env_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::shared_ptr<rocksdb::Env>& current_env() {
  static std::shared_ptr<rocksdb::Env> env;
  return env;
}

}  // namespace

TestEnv::TestEnv(std::shared_ptr<rocksdb::Env> env) {
  std::lock_guard lock(env_mutex());
  if (current_env()) throw std::logic_error("store: a TestEnv is already in place");
  current_env() = std::move(env);
}

TestEnv::~TestEnv() {
  std::lock_guard lock(env_mutex());
  current_env().reset();
}

rocksdb::Env* test_env() {
  std::lock_guard lock(env_mutex());
  return current_env().get();
}

}  // namespace gosmart::store
