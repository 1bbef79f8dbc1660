// The witness side of the audits' witnessing, without sockets: what a peer's audit
// shows it (a signed checkpoint, the size it believes the witness holds, a
// consistency proof), what it cosigns and what it refuses, kept across a reopen.
#include <catch2/catch.hpp>

#include "services/audit/audit_log.hpp"
#include "services/audit/domain/merkle.hpp"
#include "services/audit/domain/note.hpp"
#include "services/audit/witness.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using namespace gosmart::audit;

namespace {

// A peer's log: leaves made up, its checkpoints signed by its own key.
struct PeerLog {
  SignerKey key;
  std::vector<Hash> leaves;
  explicit PeerLog(const std::string& country, uint8_t seed = 1)
      : key(*signer_from_seed("gosmart-audit/" + country, std::array<uint8_t, 32>{seed})) {}
  void grow(std::size_t count) {
    while (count-- > 0) leaves.push_back(leaf_hash("leaf " + std::to_string(leaves.size())));
  }
  std::string note(std::size_t size) const {
    Checkpoint c{key.name, size, root_of(std::span(leaves.data(), size)), {}};
    return *sign_note(checkpoint_text(c), key);
  }
  std::vector<Hash> proof(std::size_t from, std::size_t to) const {
    return consistency_proof(std::span(leaves.data(), to), from, to);
  }
  std::string verifier() const { return verifier_key_text(verifier_of(key)); }
};

struct WitnessBench {
  testing::TempDir dir;
  std::unique_ptr<store::Store> db;
  SignerKey key = *signer_from_seed("gosmart-audit/FI", std::array<uint8_t, 32>{9});
  std::unique_ptr<Witness> witness;
  WitnessBench() { open(); }
  void open() {
    witness.reset();
    db.reset();
    db = store::Store::open(dir.path() / "db", audit_column_families({"registry"}));
    witness = std::make_unique<Witness>(*db, key);
  }
  Result<WitnessAnswer> show(const std::string& caller, const PeerLog& log, std::size_t size,
                             uint64_t old_size, std::vector<Hash> proof = {}) {
    return witness->add_checkpoint(caller, log.note(size), log.verifier(), old_size, proof,
                                   1'780'000'000);
  }
};

bool cosigns(const WitnessBench& bench, const PeerLog& log, std::size_t size,
             const std::string& line) {
  auto opened = open_note(log.note(size) + line, {verifier_of(log.key), cosigner_of(bench.key)});
  return opened.error.empty() && opened.cosigned_by.size() == 1 &&
         opened.cosigned_by[0].name == "gosmart-audit/FI";
}

}  // namespace

TEST_CASE("a witness cosigns a peer's growing log and keeps what it cosigned", "[audit]") {
  WitnessBench b;
  PeerLog pl("PL");
  pl.grow(5);
  auto first = b.show("PL", pl, 5, 0);
  REQUIRE(first.ok());
  CHECK(first.value().cosigned);
  CHECK(first.value().held_size == 5);
  CHECK(cosigns(b, pl, 5, first.value().cosignature));

  pl.grow(8);
  auto grown = b.show("PL", pl, 13, 5, pl.proof(5, 13));
  REQUIRE(grown.ok());
  CHECK(grown.value().cosigned);
  CHECK(cosigns(b, pl, 13, grown.value().cosignature));
  // The same checkpoint again: cosigned again (a log that lost the answer asks again).
  auto again = b.show("PL", pl, 13, 13);
  REQUIRE(again.ok());
  CHECK(again.value().cosigned);

  // Kept across a restart: the size it holds, and the pinned key.
  b.open();
  auto stale = b.show("PL", pl, 13, 5, pl.proof(5, 13));
  REQUIRE(stale.ok());
  CHECK_FALSE(stale.value().cosigned);  // a conflict: it holds 13, not 5
  CHECK(stale.value().held_size == 13);
}

TEST_CASE("a witness never cosigns a smaller tree, a fork, a bad proof or another's log",
          "[audit]") {
  WitnessBench b;
  PeerLog pl("PL");
  pl.grow(10);
  REQUIRE(b.show("PL", pl, 10, 0).value().cosigned);

  SECTION("a smaller tree: the log was rolled back") {
    auto answer = b.show("PL", pl, 6, 10);
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().message.find("rolled back") != std::string::npos);
  }
  SECTION("another root for the size it cosigned: a fork") {
    PeerLog forked("PL");  // the same key, other leaves
    forked.grow(10);
    forked.leaves[3] = leaf_hash("rewritten");
    auto answer = b.show("PL", forked, 10, 10);
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().message.find("fork") != std::string::npos);
  }
  SECTION("a proof that does not show the new tree extends the old") {
    pl.grow(4);
    auto proof = pl.proof(10, 14);
    proof[0][0] ^= 1;
    auto answer = b.show("PL", pl, 14, 10, proof);
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().field == "proof");
    // The same tree, once proved, is cosigned: the refusal changed nothing.
    CHECK(b.show("PL", pl, 14, 10, pl.proof(10, 14)).value().cosigned);
  }
  SECTION("a history rewritten under the same key: the proof cannot hold") {
    PeerLog rewritten("PL");
    rewritten.grow(14);
    rewritten.leaves[2] = leaf_hash("another past");
    auto answer = b.show("PL", rewritten, 14, 10, rewritten.proof(10, 14));
    REQUIRE_FALSE(answer.ok());
  }
  SECTION("a peer showing another node's log") {
    PeerLog dk("DK", 3);
    dk.grow(3);
    auto answer = b.show("PL", dk, 3, 0);  // PL's connection, DK's log
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().field == "verifierKey");
  }
  SECTION("a new key for a log already witnessed") {
    PeerLog rekeyed("PL", 42);
    rekeyed.grow(12);
    auto answer = b.show("PL", rekeyed, 12, 10, rekeyed.proof(10, 12));
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().message.find("pinned") != std::string::npos);
  }
  SECTION("a checkpoint with an extension line, or a proof where none is due") {
    // Outside findings, session 19: both were cosigned.
    Checkpoint extended{pl.key.name, 10, root_of(std::span(pl.leaves.data(), 10)), {"ext line"}};
    auto note = *sign_note(checkpoint_text(extended), pl.key);
    auto with_line = b.witness->add_checkpoint("PL", note, pl.verifier(), 10, {}, 1'780'000'000);
    REQUIRE_FALSE(with_line.ok());
    CHECK(with_line.error().field == "signedNote");
    auto needless = b.show("PL", pl, 10, 10, {leaf_hash("noise")});
    REQUIRE_FALSE(needless.ok());
    CHECK(needless.error().field == "proof");
  }
  SECTION("a note whose signature does not hold") {
    auto note = pl.note(10);
    note[note.size() - 10] = note[note.size() - 10] == 'A' ? 'B' : 'A';
    auto answer = b.witness->add_checkpoint("PL", note, pl.verifier(), 10, {}, 1'780'000'000);
    REQUIRE_FALSE(answer.ok());
    CHECK(answer.error().field == "signedNote");
  }
  // Whatever was refused, it still holds the 10 leaves it cosigned.
  auto held = b.show("PL", pl, 10, 0);
  REQUIRE(held.ok());
  CHECK(held.value().held_size >= 10);
}
