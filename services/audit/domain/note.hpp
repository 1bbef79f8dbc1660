#pragma once
// Signed notes and checkpoints in the formats existing verifiers read (C2SP
// signed-note and tlog-checkpoint, as Go's checksum database and Sigsum witnesses use
// them), so that a peer audit, or anyone with the node's verifier key, can check a
// checkpoint without our code:
//
//   <origin>\n<tree size, decimal>\n<root hash, base64>\n[extension lines]
//   \n
//   — <key name> <base64(key id, 4 bytes big-endian || Ed25519 signature)>\n
//
// A key id is the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key), 0x01
// naming Ed25519. Verifier keys are written <name>+<key id, hex>+<base64(0x01 ||
// public key)>; signer keys PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>.
// Checked against the published examples (tests/unit/audit_note_test.cpp).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/audit/domain/merkle.hpp"

namespace gosmart::audit {

// The two kinds of Ed25519 signature in a note: a log's own (signed-note, the text
// signed) and a witness's (tlog-cosignature, "cosignature/v1", a time and the text
// signed, the time carried in the signature line).
enum class Algorithm : uint8_t { ed25519 = 0x01, cosignature_v1 = 0x04 };

struct VerifierKey {
  std::string name;
  uint32_t id = 0;
  std::array<uint8_t, 32> public_key{};
  Algorithm algorithm = Algorithm::ed25519;
};

struct SignerKey {
  std::string name;
  uint32_t id = 0;
  std::array<uint8_t, 64> secret_key{};  // libsodium's: seed || public key
  std::array<uint8_t, 32> public_key{};
};

// Whether `name` may name a key: not empty, no '+', no space or control character.
bool valid_key_name(std::string_view name);
uint32_t key_id(std::string_view name, const std::array<uint8_t, 32>& public_key,
                Algorithm algorithm = Algorithm::ed25519);

// From the texts above; nothing for a malformed key, another algorithm, or a key id
// that is not the key's.
std::optional<VerifierKey> parse_verifier_key(std::string_view text);
std::optional<SignerKey> parse_signer_key(std::string_view text);
// A signer key from a 32-byte Ed25519 seed (the deploy tool draws it at random).
std::optional<SignerKey> signer_from_seed(std::string_view name,
                                          const std::array<uint8_t, 32>& seed);
std::string verifier_key_text(const VerifierKey& key);
std::string signer_key_text(const SignerKey& key, const std::array<uint8_t, 32>& seed);
VerifierKey verifier_of(const SignerKey& key);
// The same key as a witness's: its key id counts the cosignature algorithm.
VerifierKey cosigner_of(const SignerKey& key);

// Whether `text` may be a note's text: UTF-8, no control character but '\n', ending
// in '\n', no blank line at its end.
bool valid_note_text(std::string_view text);
// The note: `text` and one signature line by `signer`. Nothing if the text is not
// valid.
std::optional<std::string> sign_note(std::string_view text, const SignerKey& signer);

// A witness's cosignature line for `text` (a checkpoint) at `timestamp`: to be
// appended to the signed note. Nothing if the text is not valid.
std::optional<std::string> cosignature_line(std::string_view text, const SignerKey& witness,
                                            uint64_t timestamp);

struct Cosignature {
  std::string name;
  uint64_t timestamp = 0;
};
struct OpenedNote {
  std::string text;
  std::vector<std::string> verified_by;  // names of the known keys whose signature holds
  std::vector<Cosignature> cosigned_by;  // those of them that are witnesses, with the time
  std::string error;                     // non-empty: refused (malformed or a bad signature)
};
// Splits a note at its last blank line and checks every signature by a known key.
// Refused: a malformed note (no blank line, no signature line, a line after the
// signatures that is not one, a missing final newline, a control character or bad
// UTF-8, more than 100 signatures), a signature by a known key that does not hold,
// or no signature by any known key. Signatures by unknown keys are skipped.
OpenedNote open_note(std::string_view note, const std::vector<VerifierKey>& known);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // further lines, each without its '\n'
};
// A hash as checkpoints write it (standard base64 with padding), and back: only that
// one spelling is read.
std::string hash_text(const Hash& hash);
std::optional<Hash> hash_from_text(std::string_view text);

// The checkpoint's note text (tlog-checkpoint), extension lines included.
std::string checkpoint_text(const Checkpoint& checkpoint);
// Nothing for a text that is not one: an empty origin, a size that is not plain
// decimal (no sign, no leading zero, fits 64 bits), a root that is not 32 bytes of
// standard base64, an empty or unterminated extension line.
std::optional<Checkpoint> parse_checkpoint(std::string_view text);

// What a witness signs to cosign `checkpoint_text` at `timestamp` (seconds since
// the epoch): tlog-cosignature's "cosignature/v1\ntime <t>\n" and the checkpoint.
std::string cosignature_message(std::string_view checkpoint_text, uint64_t timestamp);

}  // namespace gosmart::audit
