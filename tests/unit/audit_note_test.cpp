// Signed notes and checkpoints (services/audit/domain/note.hpp) against published
// examples carried here with their source:
//  - C2SP/C2SP at 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9 (CC BY 4.0):
//    signed-note.md (the example note and its verifier key) and tlog-cosignature.md
//    (the message a cosigner signs);
//  - golang/mod at fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db (BSD-3-Clause):
//    sumdb/note/note_test.go and example_test.go (keys, the exact signing output,
//    malformed notes), sumdb/tlog/note_test.go (a tree note).
#include <sodium.h>

#include <catch2/catch.hpp>
#include <string>

#include "services/audit/domain/note.hpp"

using namespace gosmart::audit;

namespace {

const std::string kPeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kEnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochLine =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

}  // namespace

TEST_CASE("signer and verifier keys are read, written and checked as Go writes them", "[audit]") {
  auto peter = parse_signer_key(kPeterSkey);
  REQUIRE(peter);
  CHECK(peter->name == "PeterNeumann");
  CHECK(peter->id == 0xc74f20a3);
  auto verifier = parse_verifier_key(kPeterVkey);
  REQUIRE(verifier);
  CHECK(verifier->public_key == peter->public_key);
  CHECK(verifier_key_text(verifier_of(*peter)) == kPeterVkey);
  // EnochRoot's seed is 32 zero bytes (example_test.go draws it from a zero reader).
  auto enoch = signer_from_seed("EnochRoot", std::array<uint8_t, 32>{});
  REQUIRE(enoch);
  CHECK(verifier_key_text(verifier_of(*enoch)) == kEnochVkey);
  auto round_trip = parse_signer_key(signer_key_text(*enoch, std::array<uint8_t, 32>{}));
  REQUIRE(round_trip);
  CHECK(round_trip->public_key == enoch->public_key);
  // Refused: a key of the wrong length and one of another algorithm (each with its
  // key id adjusted, so only the key itself is wrong), a key id that is not the
  // key's, a bad name, a truncated text.
  for (const char* bad :
       {"PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_verifier_key(bad));
  }
  CHECK_FALSE(parse_signer_key(kPeterVkey));
  CHECK_FALSE(parse_signer_key(
      "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"));
}

TEST_CASE("a note is signed byte for byte as Go signs it and opened by its key", "[audit]") {
  auto peter = parse_signer_key(kPeterSkey);
  auto enoch = signer_from_seed("EnochRoot", std::array<uint8_t, 32>{});
  REQUIRE(peter);
  REQUIRE(enoch);
  auto signed_note = sign_note(kText, *peter);
  REQUIRE(signed_note);
  CHECK(*signed_note == kText + "\n" + kPeterLine);
  CHECK(*sign_note(kText, *enoch) == kText + "\n" + kEnochLine);

  auto opened = open_note(*signed_note, {*parse_verifier_key(kPeterVkey)});
  CHECK(opened.error.empty());
  CHECK(opened.text == kText);
  CHECK(opened.verified_by == std::vector<std::string>{"PeterNeumann"});
  // Two signatures, one key known: opened by that one, the other skipped.
  auto both = kText + "\n" + kPeterLine + kEnochLine;
  opened = open_note(both, {*parse_verifier_key(kEnochVkey)});
  CHECK(opened.error.empty());
  CHECK(opened.verified_by == std::vector<std::string>{"EnochRoot"});
  // No known key: refused.
  CHECK_FALSE(open_note(*signed_note, {*parse_verifier_key(kEnochVkey)}).error.empty());
  // A corrupted signature by a known key is refused (note_test.go inserts "ABCD" at
  // offset 60 of the signature line).
  auto corrupted = kPeterLine;
  corrupted.insert(60, "ABCD");
  CHECK_FALSE(open_note(kText + "\n" + corrupted, {*parse_verifier_key(kPeterVkey)}).error.empty());
  // A changed text no longer holds.
  auto changed = *signed_note;
  changed[3] = 'X';
  CHECK(open_note(changed, {*parse_verifier_key(kPeterVkey)}).error.find("does not hold") !=
        std::string::npos);

  // The C2SP example, with its published verifier key.
  auto foo =
      parse_verifier_key("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
  REQUIRE(foo);
  opened = open_note(
      "This is an example message.\n\n\xE2\x80\x94 example.com/foo "
      "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM="
      "\n",
      {*foo});
  CHECK(opened.error.empty());
  CHECK(opened.text == "This is an example message.\n");
}

TEST_CASE("malformed notes are refused before any signature is checked", "[audit]") {
  auto peter = *parse_verifier_key(kPeterVkey);
  std::string no_newline = kText + "\n" + kPeterLine;
  no_newline.pop_back();
  std::string space_name =
      kText + "\n\xE2\x80\x94 Bad Name " + kPeterLine.substr(kPeterLine.find(' ', 5) + 1);
  space_name.pop_back();
  for (const auto& [why, note] : std::vector<std::pair<std::string, std::string>>{
           {"text only", kText},
           {"no signature lines", kText + "\n"},
           {"no final newline", no_newline},
           {"a control character", "\x01" + kText + "\n" + kPeterLine},
           {"invalid UTF-8", "\xff" + kText + "\n" + kPeterLine},
           {"a name with a space", space_name},
           {"a line after the signatures", kText + "\n" + kPeterLine + "Unexpected line.\n"}}) {
    INFO(why);
    auto opened = open_note(note, {peter});
    CHECK_FALSE(opened.error.empty());
    CHECK(opened.text.empty());
    CHECK(opened.verified_by.empty());
  }
  std::string many = kText + "\n";
  for (int i = 0; i < 101; ++i) many += kPeterLine;
  CHECK(open_note(many, {peter}).error.find("100") != std::string::npos);
  // Texts that cannot be signed.
  auto signer = *parse_signer_key(kPeterSkey);
  CHECK_FALSE(sign_note("no final newline", signer));
  CHECK_FALSE(sign_note("ends in a blank line\n\n", signer));
  CHECK_FALSE(sign_note("a\x01 control\n", signer));
  CHECK_FALSE(sign_note("", signer));
}

TEST_CASE("checkpoints are written and read as tlog-checkpoint says", "[audit]") {
  // sumdb/tlog/note_test.go's tree note.
  const std::string golden =
      "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
  auto tree = parse_checkpoint(golden);
  REQUIRE(tree);
  CHECK(tree->origin == "go.sum database tree");
  CHECK(tree->size == 123456789012u);
  CHECK(tree->root == leaf_hash(std::string_view("hello world")));
  CHECK(checkpoint_text(*tree) == golden);
  CHECK_FALSE(parse_checkpoint(
      "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"));
  CHECK_FALSE(parse_checkpoint(
      "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n"));
  // Extension lines end in a newline; an unterminated one is junk.
  auto extended = parse_checkpoint(golden + "JOE\n");
  REQUIRE(extended);
  CHECK(extended->extensions == std::vector<std::string>{"JOE"});
  CHECK_FALSE(parse_checkpoint(golden + "JOE"));
  for (const char* bad : {"\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                          "o\n01\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                          "o\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                          "o\n18446744073709551616\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
                          "o\n1\n", "o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n\n",
                          // Bytes above 0x7f that libsodium decodes as digits (found by
                          // the signed_note fuzzer), and a last digit with stray low bits.
                          "1\n5\nTszzRgjTG8xce+z2AG32kAXYKBgQVtCSCE4\xda\xb7muwBb0=\n",
                          "o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n"}) {
    INFO(bad);
    CHECK_FALSE(parse_checkpoint(bad));
  }
  CHECK(parse_checkpoint("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")->root ==
        empty_root());

  // A checkpoint signed by our own key opens and parses back (what a witness does).
  auto signer = *signer_from_seed("audit.pl.gosmart.example", std::array<uint8_t, 32>{7});
  Checkpoint ours{"audit.pl.gosmart.example", 42, leaf_hash(std::string_view("x")), {}};
  auto note = sign_note(checkpoint_text(ours), signer);
  REQUIRE(note);
  auto opened = open_note(*note, {verifier_of(signer)});
  REQUIRE(opened.error.empty());
  auto back = parse_checkpoint(opened.text);
  REQUIRE(back);
  CHECK(back->size == 42);
  CHECK(back->root == ours.root);

  // tlog-cosignature.md's example message.
  CHECK(cosignature_message("example.com/behind-the-sofa\n20852163\n"
                            "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
                            1679315147) ==
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

TEST_CASE("a witness cosigns a checkpoint as tlog-cosignature says and the note opens", "[audit]") {
  // Witness and log keys of transparency-dev/formats at 0b850f1 (Apache-2.0):
  // witness/witness_test.go (Wit1) and log/note_test.go (Log).
  auto witness =
      parse_signer_key("PRIVATE+KEY+Wit1+55ee4561+AeadRiG7XM4XiieCHzD8lxysXMwcViy5nYsoXURWGrlE");
  auto log =
      parse_signer_key("PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ");
  REQUIRE(witness);
  REQUIRE(log);
  CHECK(verifier_key_text(verifier_of(*witness)) ==
        "Wit1+55ee4561+AVhZSmQj9+SoL+p/nN0Hh76xXmF7QcHfytUrI1XfSClk");
  // A cosigner's verifier key (algorithm 0x04) from note/note_cosigv1_test.go.
  auto remora =
      parse_verifier_key("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
  REQUIRE(remora);
  CHECK(remora->algorithm == Algorithm::cosignature_v1);
  CHECK(verifier_key_text(*remora) ==
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
  // The same key with the other algorithm's byte does not match its key id.
  CHECK_FALSE(
      parse_verifier_key("remora.n621.de+da77ade7+AevN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"));

  Checkpoint checkpoint{"Log", 20852163, leaf_hash(std::string_view("root")), {}};
  auto text = checkpoint_text(checkpoint);
  auto note = sign_note(text, *log);
  REQUIRE(note);
  auto line = cosignature_line(text, *witness, 1679315147);
  REQUIRE(line);
  auto cosigned = *note + *line;
  auto cosigner = cosigner_of(*witness);
  CHECK(verifier_key_text(cosigner).rfind("Wit1+", 0) == 0);
  CHECK(cosigner.id != verifier_of(*witness).id);  // the algorithm is in the key id
  REQUIRE(parse_verifier_key(verifier_key_text(cosigner)));
  auto opened = open_note(cosigned, {verifier_of(*log), cosigner});
  REQUIRE(opened.error.empty());
  CHECK(opened.verified_by == std::vector<std::string>{"Log", "Wit1"});
  REQUIRE(opened.cosigned_by.size() == 1);
  CHECK(opened.cosigned_by[0].name == "Wit1");
  CHECK(opened.cosigned_by[0].timestamp == 1679315147);
  // The line's layout is the spec's: key id, then the time as 8 bytes big-endian
  // (tlog-cosignature.md's example line carries 1679315147 as 0x00000000641850cb).
  std::string encoded = line->substr(line->rfind(' ') + 1);
  encoded.pop_back();
  std::vector<uint8_t> blob(80);
  size_t written = 0;
  REQUIRE(sodium_base642bin(blob.data(), blob.size(), encoded.data(), encoded.size(), nullptr,
                            &written, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  REQUIRE(written == 76);
  std::vector<uint8_t> example(80);
  std::string spec =
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
      "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
  REQUIRE(sodium_base642bin(example.data(), example.size(), spec.data(), spec.size(), nullptr,
                            &written, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  REQUIRE(written == 76);
  CHECK(std::equal(blob.begin() + 4, blob.begin() + 12, example.begin() + 4));
  // A cosignature whose time was changed, or made for another checkpoint, does not
  // hold.
  blob[11] ^= 0x01;
  std::string changed_time(sodium_base64_encoded_len(76, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(changed_time.data(), changed_time.size(), blob.data(), 76,
                    sodium_base64_VARIANT_ORIGINAL);
  changed_time.pop_back();
  auto forged = line->substr(0, line->rfind(' ') + 1) + changed_time + "\n";
  CHECK(open_note(*note + forged, {verifier_of(*log), cosigner}).error.find("does not hold") !=
        std::string::npos);
  auto elsewhere =
      cosignature_line("Log\n1\n" + text.substr(text.find('\n', 4) + 1), *witness, 1679315147);
  REQUIRE(elsewhere);
  auto moved = open_note(*note + *elsewhere, {verifier_of(*log), cosigner});
  CHECK(moved.error.find("cosignature of Wit1 does not hold") != std::string::npos);
  // The witness's plain key does not pass for its cosigning key: the line is skipped
  // as another key's, and the note has no signature by a known key.
  CHECK(open_note(*note + *line, {verifier_of(*witness)}).error == "no signature by a known key");
}

TEST_CASE("a hash is written and read as checkpoints write it, in that one spelling", "[audit]") {
  auto h = leaf_hash(std::string_view("hello world"));
  CHECK(hash_text(h) == "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=");
  CHECK(hash_from_text(hash_text(h)) == h);
  for (const char* bad : {"", "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0",
                          "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=",
                          "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0= ",
                          "TszzRgjTG6xce-z2AG31kAXYKBgQVtCSCE40HmuwBb0=", "AAAA"}) {
    INFO(bad);
    CHECK_FALSE(hash_from_text(bad));
  }
}
