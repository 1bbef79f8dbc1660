// Checkpoints and cosigned notes come from peer audits: open_note and
// parse_checkpoint read them before anything trusts them (services/audit/domain/
// note.hpp). On any bytes: an opened note's text is the note's own prefix and at
// least one known key verified it; a parsed checkpoint writes back to the very
// bytes it was read from (no second spelling of one checkpoint); and a note signed
// by a known key around any text the signer accepts opens to that text.
#include <array>
#include <string>
#include <string_view>

#include "services/audit/domain/note.hpp"
#include "tests/fuzz/fuzz_target.hpp"

using namespace gosmart::audit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SignerKey signer =
      *signer_from_seed("fuzz.example/audit", std::array<uint8_t, 32>{9});
  static const std::vector<VerifierKey> known = {verifier_of(signer)};
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto opened = open_note(input, known);
  if (opened.error.empty()) {
    GOSMART_FUZZ_CHECK(!opened.verified_by.empty());
    GOSMART_FUZZ_CHECK(input.substr(0, opened.text.size()) == opened.text);
  } else {
    GOSMART_FUZZ_CHECK(opened.text.empty() && opened.verified_by.empty());
  }

  if (auto checkpoint = parse_checkpoint(input)) {
    GOSMART_FUZZ_CHECK(checkpoint_text(*checkpoint) == input);
  }

  if (auto note = sign_note(input, signer)) {
    auto again = open_note(*note, known);
    GOSMART_FUZZ_CHECK(again.error.empty());
    GOSMART_FUZZ_CHECK(again.text == input);
  }
  return 0;
}
