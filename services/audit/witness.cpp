#include "services/audit/witness.hpp"

#include <capnp/message.h>

#include "common/store/capnp_value.hpp"
#include "schemas/audit.capnp.h"

namespace gosmart::audit {

Witness::Witness(store::Store& store, SignerKey signer)
    : store_(store), signer_(std::move(signer)) {}

Result<WitnessAnswer> Witness::add_checkpoint(const std::string& caller_country,
                                              std::string_view signed_note,
                                              std::string_view verifier_key, uint64_t old_size,
                                              const std::vector<Hash>& proof, uint64_t now_s) {
  auto key = parse_verifier_key(verifier_key);
  if (!key) return fail(ErrorCode::INVALID_FIELD, "not a verifier key", "verifierKey");
  // A peer shows its own log, not another's: the country is the one its key is
  // allowlisted as, so a node cannot have its peers witness a log in another's name.
  const std::string origin = "gosmart-audit/" + caller_country;
  if (key->name != origin) {
    return fail(
        ErrorCode::CONFLICT,
        "a peer's audit is witnessed for its own log only (" + origin + "), not " + key->name,
        "verifierKey");
  }
  auto held_bytes = store_.get(store_.cf(kWitnessedCf), origin);
  if (!held_bytes) return held_bytes.error();
  std::optional<store::StoredValue<wire::AuditWitnessed>> held;
  if (held_bytes.value()) {
    held = store::StoredValue<wire::AuditWitnessed>::parse(*held_bytes.value());
    if (!held)
      return fail(ErrorCode::INTERNAL, "the witness's record of " + origin + " is unreadable");
  }
  if (held && std::string_view(held->get().getVerifierKey().cStr()) != verifier_key) {
    return fail(ErrorCode::CONFLICT,
                "the log's key is not the one pinned when it was first witnessed (" +
                    std::string(held->get().getVerifierKey().cStr()) + ")",
                "verifierKey");
  }
  auto opened = open_note(signed_note, {*key});
  if (!opened.error.empty()) {
    return fail(ErrorCode::CONFLICT, "the checkpoint's note: " + opened.error, "signedNote");
  }
  auto checkpoint = parse_checkpoint(opened.text);
  if (!checkpoint) return fail(ErrorCode::INVALID_FIELD, "not a checkpoint", "signedNote");
  if (checkpoint->origin != origin) {
    return fail(ErrorCode::CONFLICT, "the checkpoint names another log: " + checkpoint->origin,
                "signedNote");
  }
  // Only the three lines a log of ours writes: with extension lines a log could have
  // its witnesses cosign text of its choosing at a size they hold (outside findings).
  if (!checkpoint->extensions.empty()) {
    return fail(ErrorCode::INVALID_FIELD, "a checkpoint with extension lines is not cosigned",
                "signedNote");
  }
  uint64_t held_size = held ? held->get().getSize() : 0;
  Hash held_root = empty_root();
  if (held) {
    auto bytes = held->get().getRootHash();
    if (bytes.size() != held_root.size()) {
      return fail(ErrorCode::INTERNAL, "the witness's record of " + origin + " is unreadable");
    }
    std::copy(bytes.begin(), bytes.end(), held_root.begin());
  }
  if (old_size != held_size) return WitnessAnswer{false, "", held_size};
  if (checkpoint->size < held_size) {
    return fail(ErrorCode::CONFLICT,
                "the log shrank: " + std::to_string(checkpoint->size) + " leaves after " +
                    std::to_string(held_size) + " were cosigned (rolled back)",
                "signedNote");
  }
  if (checkpoint->size == held_size && !proof.empty()) {
    return fail(ErrorCode::INVALID_FIELD, "the tree it holds needs no proof: it must be empty",
                "proof");
  }
  if (checkpoint->size == held_size && held && checkpoint->root != held_root) {
    return fail(
        ErrorCode::CONFLICT,
        "another root for the " + std::to_string(held_size) + " leaves already cosigned (a fork)",
        "signedNote");
  }
  if (checkpoint->size > held_size &&
      !verify_consistency(held_size, checkpoint->size, proof, held_root, checkpoint->root)) {
    return fail(ErrorCode::CONFLICT,
                "the proof does not show the tree of " + std::to_string(checkpoint->size) +
                    " leaves extends the " + std::to_string(held_size) + " cosigned",
                "proof");
  }
  auto line = cosignature_line(opened.text, signer_, now_s);
  if (!line) return fail(ErrorCode::INTERNAL, "the checkpoint cannot be cosigned");
  if (!held || checkpoint->size > held_size) {
    capnp::MallocMessageBuilder message;
    auto record = message.initRoot<wire::AuditWitnessed>();
    record.setVerifierKey(std::string(verifier_key));
    record.setSize(checkpoint->size);
    record.setRootHash(capnp::Data::Reader(checkpoint->root.data(), checkpoint->root.size()));
    record.setAtUs(static_cast<int64_t>(now_s) * 1'000'000);
    rocksdb::WriteBatch batch;
    batch.Put(store_.cf(kWitnessedCf), origin, store::to_bytes(message));
    // Synced before the cosignature leaves: a crash never lets it cosign older.
    if (auto stored = store_.commit(batch, store::Durability::sync); !stored) {
      return stored.error();
    }
  }
  return WitnessAnswer{true, *line, checkpoint->size};
}

}  // namespace gosmart::audit
