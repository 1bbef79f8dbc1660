#pragma once
// Replies to writes, kept so that a write re-sent with the same message id by the
// same caller (a client retrying after a timeout) gets the reply it was first given
// and takes no effect a second time. An entry goes into the very WriteBatch that
// holds the write's effect: after a crash there is either both or neither. Entries
// live for a retention window (limits.idempotency_retention_s) and are then purged.
//
// Until its batch is durable an entry is pending, held here: a retry that arrives
// while the first is staged or in flight finds it, and its answer waits behind the
// same commit (the api server sends no reply before what was staged is durable).
//
// A message id is the caller's name for one request: each entry keeps a digest of
// its request (type and canonical payload), and a later request under the same id
// that differs from it is not that request's retry (the api server refuses it as a
// conflict). Entries stored before digests were kept have none and are replayed.
//
// Column family kIdempotencyFamily:
//   'r' caller \0 message id           -> stored-at (us, big-endian), subject count
//                                         (top bit: a digest follows the subjects),
//                                         subjects, digest, reply
//   's' subject \0 caller \0 message id -> ""   (erasure finds an organisation's replies)
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/envelope/envelope.hpp"
#include "common/store/store.hpp"

namespace gosmart::service {

inline constexpr const char* kIdempotencyFamily = "idempotency";
inline constexpr std::chrono::seconds kDefaultReplyRetention{24 * 3600};

// SHA-256 of the request's type and canonical payload; malformed if the payload
// cannot be read.
Result<std::string> request_digest(const DecodedEnvelope& request);

struct KeptReply {
  std::string reply;
  // False when the id was first used for another request (other type or payload).
  bool same_request = true;
};

class IdempotencyStore {
 public:
  using Clock = std::function<int64_t()>;  // microseconds since the epoch

  // `store` must have the column family kIdempotencyFamily.
  IdempotencyStore(store::Store& store, std::chrono::seconds retention, Clock clock = {});

  // The reply kept for this caller's message id: pending, or stored and younger
  // than the retention window; `digest` (request_digest()) is compared with the
  // kept request's.
  std::optional<KeptReply> find(std::string_view caller, std::string_view message_id,
                                std::string_view digest) const;

  // Keeps `reply` in `batch`, the batch that holds the write's effect; `subjects`
  // (organisation ids) are what the reply carries data of. Returns the entry's key,
  // for settle() once the batch has landed or was lost.
  std::string stage(rocksdb::WriteBatch& batch, std::string_view caller,
                    std::string_view message_id, std::string_view digest, const std::string& reply,
                    const std::vector<std::string>& subjects);
  // The batches holding these entries are durable or lost: the store answers for
  // them from now on (found if they landed, not found if they were lost).
  void settle(const std::vector<std::string>& keys);

  // Deletes, in `batch` (the erasure's), every reply that concerns `subject`,
  // stored or pending. Returns how many.
  Result<std::size_t> forget(rocksdb::WriteBatch& batch, const std::string& subject);

  // Deletes entries older than the retention window, in a commit of its own.
  // Returns how many. Run from a timer (purge_interval()).
  Result<std::size_t> purge_expired();

  std::chrono::seconds retention() const { return retention_; }
  // How often purge_expired() should run: a tenth of the window, 1 s to 10 min.
  std::chrono::milliseconds purge_interval() const;
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::string reply;
    std::vector<std::string> subjects;
    std::string digest;
  };
  bool expired(int64_t stored_at_us) const;

  store::Store& store_;
  rocksdb::ColumnFamilyHandle* cf_;
  std::chrono::seconds retention_;
  Clock clock_;
  std::map<std::string, Pending, std::less<>> pending_;  // by entry key
};

}  // namespace gosmart::service
