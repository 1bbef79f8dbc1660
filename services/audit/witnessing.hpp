#pragma once
// This audit's log witnessed by its peers' audits (witness.hpp is the other side):
// every round it shows each peer's audit the checkpoint of its tree as it stands,
// signed, with a consistency proof from the size that witness holds, over a DEALER
// of its own to the peer's audit api (CURVE, pinned to the peer's node key), never
// waiting on the service loop for an answer. A cosignature is kept with the size it
// is for (column family "cosigned", by the witness's country); a conflict teaches
// the size the witness holds, and the next round proves from there. A witness that
// holds more of this log than the log has means the log was rolled back (a restore
// from an older backup): that is logged as an error at every round, never hidden.
#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/envelope/envelope.hpp"
#include "common/service/loop.hpp"
#include "common/store/store.hpp"
#include "common/transport/transport.hpp"
#include "services/audit/audit_log.hpp"
#include "services/audit/domain/note.hpp"

namespace gosmart::audit {

inline constexpr const char* kCosignedCf = "cosigned";  // witness country -> AuditCosigned

struct WitnessPeer {
  std::string country;
  std::string api;         // the peer's audit api endpoint
  std::string server_key;  // the peer's node key (its audit's)
};

class Witnessing {
 public:
  Witnessing(store::Store& store, transport::Transport& transport, const AuditLog& log,
             const SignerKey& signer, std::string country, std::vector<WitnessPeer> peers);

  void attach(service::Loop& loop);
  // Asks every witness that holds less than the tree as it stands and has no
  // question open (one left unanswered for `patience` is dropped and asked again).
  void round(std::chrono::milliseconds patience = std::chrono::seconds(10));

  // The latest size at least one witness cosigned, its note with every cosignature
  // of that same checkpoint, and their verifier keys.
  struct Witnessed {
    uint64_t size = 0;
    std::string note;
    std::vector<std::string> keys;
  };
  Witnessed witnessed() const;
  // What an operator must look at, one line each: a witness refusing this log (its
  // last answer), one holding more of it than it has, one that went back on what it
  // cosigned. Empty when witnessing is well.
  std::vector<std::string> troubles() const;
  uint64_t cosignatures() const { return cosignatures_; }
  uint64_t refusals() const { return refusals_; }

 private:
  struct Witness {
    WitnessPeer peer;
    zmq::socket_t socket;
    std::optional<MessageId> waiting_for;
    std::chrono::steady_clock::time_point asked_at{};
    std::string asked_text;  // the checkpoint shown with the open question
    // Asked since this process started, or lately: a log restored from an older
    // copy believes its witness holds what it has, and only asking shows otherwise.
    bool confirmed = false;
    bool refused = false;    // its last answer was a refusal
    bool went_back = false;  // it said it holds less than it cosigned
    unsigned rounds_since_answer = 0;
    uint64_t held = 0;           // the size it holds of this log, as far as known
    uint64_t cosigned_size = 0;  // the size of the cosignature kept (cosigned_text)
    std::string cosigned_text;
    std::string cosignature;
    std::string key;
  };
  void on_readable(Witness& witness);
  void ask(Witness& witness);

  store::Store& store_;
  const AuditLog& log_;
  const SignerKey& signer_;
  std::string country_;
  std::vector<std::unique_ptr<Witness>> witnesses_;
  uint64_t cosignatures_ = 0;
  uint64_t refusals_ = 0;
};

}  // namespace gosmart::audit
