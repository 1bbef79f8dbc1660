#include "tests/support/fault_file_system.hpp"

#include <filesystem>
#include <system_error>

namespace gosmart::testing {

namespace {

// A writable file that counts what it was given and what a sync made durable, and
// fails when its file system says so.
class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultFileSystem& faults,
                    std::shared_ptr<FaultFileSystem::Written> written)
      : FSWritableFileOwnerWrapper(std::move(file)),
        faults_(faults),
        written_(std::move(written)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::Append(data, options, debug);
    if (status.ok()) grow(data.size());
    return status;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::Append(data, options, info, debug);
    if (status.ok()) grow(data.size());
    return status;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, debug);
    if (status.ok()) reach(offset + data.size());
    return status;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, debug);
    if (status.ok()) reach(offset + data.size());
    return status;
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::Truncate(size, options, debug);
    if (status.ok()) {
      std::lock_guard lock(written_->mutex);
      written_->size = size;
      written_->synced = std::min(written_->synced, size);
    }
    return status;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                         rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_sync(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::Sync(options, debug);
    if (status.ok()) synced();
    return status;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_sync(); !refused.ok()) return refused;
    auto status = FSWritableFileOwnerWrapper::Fsync(options, debug);
    if (status.ok()) synced();
    return status;
  }
  // A range sync makes part of a file durable; counting none of it errs on the side
  // of losing more in a crash, never less.
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t bytes, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_sync(); !refused.ok()) return refused;
    return FSWritableFileOwnerWrapper::RangeSync(offset, bytes, options, debug);
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* debug) override {
    if (auto refused = faults_.check_write(); !refused.ok()) return refused;
    return FSWritableFileOwnerWrapper::Flush(options, debug);
  }

 private:
  void grow(uint64_t bytes) {
    std::lock_guard lock(written_->mutex);
    written_->size += bytes;
  }
  void reach(uint64_t end) {
    std::lock_guard lock(written_->mutex);
    written_->size = std::max(written_->size, end);
  }
  void synced() {
    std::lock_guard lock(written_->mutex);
    written_->synced = written_->size;
  }

  FaultFileSystem& faults_;
  std::shared_ptr<FaultFileSystem::Written> written_;
};

}  // namespace

FaultFileSystem::FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

std::shared_ptr<rocksdb::Env> FaultFileSystem::env() {
  return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(shared_from_this()));
}

rocksdb::IOStatus FaultFileSystem::check_write() {
  if (!crashed_ && !fail_writes_) return rocksdb::IOStatus::OK();
  ++failures_;
  return rocksdb::IOStatus::IOError(crashed_ ? "simulated crash" : "simulated write failure");
}

rocksdb::IOStatus FaultFileSystem::check_sync() {
  if (!crashed_ && !fail_syncs_) return rocksdb::IOStatus::OK();
  ++failures_;
  return rocksdb::IOStatus::IOError(crashed_ ? "simulated crash" : "simulated sync failure");
}

std::shared_ptr<FaultFileSystem::Written> FaultFileSystem::track(const std::string& name,
                                                                 uint64_t size_now) {
  auto written = std::make_shared<Written>();
  written->size = size_now;
  written->synced = size_now;  // what was there before is as durable as it was
  std::lock_guard lock(mutex_);
  files_[name] = written;
  return written;
}

rocksdb::IOStatus FaultFileSystem::wrap(const std::string& name, rocksdb::IOStatus opened,
                                        std::unique_ptr<rocksdb::FSWritableFile>* result,
                                        uint64_t size_now) {
  if (!opened.ok()) return opened;
  *result = std::make_unique<FaultWritableFile>(std::move(*result), *this, track(name, size_now));
  return opened;
}

rocksdb::IOStatus FaultFileSystem::NewWritableFile(const std::string& name,
                                                   const rocksdb::FileOptions& options,
                                                   std::unique_ptr<rocksdb::FSWritableFile>* result,
                                                   rocksdb::IODebugContext* debug) {
  if (crashed_) return check_write();
  return wrap(name, target()->NewWritableFile(name, options, result, debug), result, 0);
}

rocksdb::IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* debug) {
  if (crashed_) return check_write();
  std::error_code error;
  auto size = std::filesystem::file_size(name, error);
  return wrap(name, target()->ReopenWritableFile(name, options, result, debug), result,
              error ? 0 : size);
}

rocksdb::IOStatus FaultFileSystem::ReuseWritableFile(
    const std::string& name, const std::string& old_name, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* debug) {
  if (crashed_) return check_write();
  return wrap(name, target()->ReuseWritableFile(name, old_name, options, result, debug), result, 0);
}

rocksdb::IOStatus FaultFileSystem::RenameFile(const std::string& from, const std::string& to,
                                              const rocksdb::IOOptions& options,
                                              rocksdb::IODebugContext* debug) {
  if (crashed_) return check_write();
  auto status = target()->RenameFile(from, to, options, debug);
  if (status.ok()) {
    std::lock_guard lock(mutex_);
    auto it = files_.find(from);
    if (it != files_.end()) {
      files_[to] = it->second;
      files_.erase(it);
    } else {
      files_.erase(to);
    }
  }
  return status;
}

rocksdb::IOStatus FaultFileSystem::DeleteFile(const std::string& name,
                                              const rocksdb::IOOptions& options,
                                              rocksdb::IODebugContext* debug) {
  if (crashed_) return check_write();
  return target()->DeleteFile(name, options, debug);
}

uint64_t FaultFileSystem::drop_unsynced() {
  uint64_t dropped = 0;
  std::lock_guard lock(mutex_);
  for (const auto& [name, written] : files_) {
    std::error_code error;
    auto size = std::filesystem::file_size(name, error);
    if (error) continue;  // deleted since
    std::lock_guard file_lock(written->mutex);
    if (size <= written->synced) continue;
    std::filesystem::resize_file(name, written->synced);
    dropped += size - written->synced;
  }
  return dropped;
}

}  // namespace gosmart::testing
