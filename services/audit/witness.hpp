#pragma once
// This audit as a witness of its peers' logs (../shared/PRACTICES.md "Tamper-evident
// logs"; C2SP tlog-witness's add-checkpoint, carried by "audit.witness.add" on the
// audit api): a peer's audit shows it a checkpoint signed by its audit key with a
// consistency proof from the tree the witness last cosigned, and the witness
// cosigns (tlog-cosignature, cosignature/v1) only when
//   - the log is the caller's own (origin gosmart-audit/<the caller's country>, the
//     country its CURVE key is allowlisted as),
//   - the note is signed by the key pinned for that log (pinned on first use: the
//     request came over the peer's authenticated connection),
//   - `old_size` is the size it holds (else a conflict naming that size),
//   - the new tree is not smaller, and extends the one it holds (the proof checks),
//     or is that same tree (the same root).
// The new size and root are stored, synced, before the cosignature is given: a
// witness that crashed never cosigns an older tree after a newer one.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/store/store.hpp"
#include "services/audit/domain/merkle.hpp"
#include "services/audit/domain/note.hpp"

namespace gosmart::audit {

inline constexpr const char* kWitnessedCf = "witnessed";  // log origin -> AuditWitnessed

struct WitnessAnswer {
  bool cosigned = false;    // false: a conflict, `held_size` is what the witness holds
  std::string cosignature;  // the signature line, with its '\n'
  uint64_t held_size = 0;
};

class Witness {
 public:
  Witness(store::Store& store, SignerKey signer);

  // Refusals (a foreign log, a key other than the pinned one, a bad signature, a
  // smaller tree, a fork, a proof that does not hold) are CONFLICT or INVALID_FIELD
  // failures whose message says why; the store failing is its own failure.
  Result<WitnessAnswer> add_checkpoint(const std::string& caller_country,
                                       std::string_view signed_note, std::string_view verifier_key,
                                       uint64_t old_size, const std::vector<Hash>& proof,
                                       uint64_t now_s);

  // The key its cosignatures verify with (cosignature/v1).
  std::string key_text() const { return verifier_key_text(cosigner_of(signer_)); }

 private:
  store::Store& store_;
  SignerKey signer_;
};

}  // namespace gosmart::audit
