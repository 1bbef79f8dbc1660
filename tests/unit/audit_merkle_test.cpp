// The audit's Merkle tree (services/audit/domain/merkle.hpp) against published known
// answers, carried here with their source: transparency-dev/merkle at commit
// 417fb0c314750d94e53942e9f92e79b6d35915db (Apache-2.0), files rfc6962/rfc6962_test.go
// (hasher answers), testonly/constants.go (the 8 leaves and the roots of their
// prefixes) and testdata/inclusion, testdata/consistency (probe files named below).
#include <sodium.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "services/audit/domain/merkle.hpp"

using namespace gosmart::audit;

namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  if (hex.empty()) return {};  // libsodium's output may not be null (UBSan)
  std::vector<uint8_t> out(hex.size() / 2);
  size_t written = 0;
  REQUIRE(sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written,
                         nullptr) == 0);
  out.resize(written);
  return out;
}

Hash hash_hex(const std::string& hex) {
  auto bytes = from_hex(hex);
  REQUIRE(bytes.size() == 32);
  Hash out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

Hash hash_b64(const std::string& text) {
  Hash out;
  size_t written = 0;
  REQUIRE(sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written,
                            nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  REQUIRE(written == 32);
  return out;
}

std::vector<Hash> hashes_b64(const std::vector<std::string>& texts) {
  std::vector<Hash> out;
  for (const auto& text : texts) out.push_back(hash_b64(text));
  return out;
}

// testonly/constants.go: LeafInputs and RootHashes (root of the first n leaves).
const std::vector<std::string> kLeafInputs = {"",
                                              "00",
                                              "10",
                                              "2021",
                                              "3031",
                                              "40414243",
                                              "5051525354555657",
                                              "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::vector<Hash> published_leaves() {
  std::vector<Hash> out;
  for (const auto& hex : kLeafInputs) out.push_back(leaf_hash(from_hex(hex)));
  return out;
}

// Leaves of any count, for the properties below.
std::vector<Hash> made_leaves(std::size_t n) {
  std::vector<Hash> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(leaf_hash("entry " + std::to_string(i)));
  return out;
}

}  // namespace

TEST_CASE("leaf and node hashes are RFC 6962's", "[audit]") {
  CHECK(empty_root() == hash_hex(kRoots[0]));
  CHECK(leaf_hash(std::string_view("")) ==
        hash_hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  CHECK(leaf_hash(std::string_view("L123456")) ==
        hash_hex("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
  // The node answer hashes 0x01 || "N123" || "N456" (short children in the Go test):
  // checked through libsodium as the hasher does it; node_hash's own use of the
  // prefix is checked by every root below.
  std::string input = std::string(1, '\x01') + "N123" + "N456";
  Hash direct;
  crypto_hash_sha256(direct.data(), reinterpret_cast<const uint8_t*>(input.data()), input.size());
  CHECK(direct == hash_hex("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"));
  auto leaves = published_leaves();
  CHECK(node_hash(leaves[0], leaves[1]) == hash_hex(kRoots[2]));
}

TEST_CASE("the roots of the published tree's prefixes, whole and grown leaf by leaf", "[audit]") {
  auto leaves = published_leaves();
  Frontier frontier;
  CHECK(frontier.root() == hash_hex(kRoots[0]));
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    INFO(n);
    CHECK(root_of(std::span<const Hash>(leaves).first(n)) == hash_hex(kRoots[n]));
    if (n > 0) {
      frontier.append(leaves[n - 1]);
      CHECK(frontier.size() == n);
      CHECK(frontier.root() == hash_hex(kRoots[n]));
      // Stored and read back, the edge gives the same tree; an edge of the wrong
      // shape for its size (one subtree per bit of it) is refused.
      Frontier again;
      REQUIRE(Frontier::from_edge(n, frontier.edge(), again));
      CHECK(again.root() == frontier.root());
      Frontier wrong;
      CHECK_FALSE(Frontier::from_edge(n | (uint64_t{1} << 40), frontier.edge(), wrong));
    }
  }
}

TEST_CASE("inclusion proofs are the published ones and verify", "[audit]") {
  auto leaves = published_leaves();
  struct Probe {
    const char* file;
    uint64_t index, size;
    std::vector<std::string> proof;
    std::string root;
  };
  const std::vector<Probe> probes = {{"testdata/inclusion/1/happy-path.json",
                                      0,
                                      8,
                                      {"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
                                       "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                                       "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="},
                                      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="},
                                     {"testdata/inclusion/2/happy-path.json",
                                      5,
                                      8,
                                      {"vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
                                       "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
                                       "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="},
                                      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="},
                                     {"testdata/inclusion/4/happy-path.json",
                                      1,
                                      5,
                                      {"bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
                                       "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                                       "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="},
                                      "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ="}};
  for (const auto& probe : probes) {
    INFO(probe.file);
    auto proof = hashes_b64(probe.proof);
    auto root = hash_b64(probe.root);
    CHECK(inclusion_proof(leaves, probe.index, probe.size) == proof);
    CHECK(root_of(std::span<const Hash>(leaves).first(probe.size)) == root);
    CHECK(verify_inclusion(leaves[probe.index], probe.index, probe.size, proof, root));
    // The probes' corruptions: another index, size, leaf, a component removed,
    // added or changed, the root beside the proof.
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index ^ 2, probe.size, proof, root));
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index, probe.size * 2, proof, root));
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index, probe.size / 2, proof, root));
    CHECK_FALSE(verify_inclusion(leaves[(probe.index + 1) % probe.size], probe.index, probe.size,
                                 proof, root));
    auto shorter = proof;
    shorter.pop_back();
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index, probe.size, shorter, root));
    auto longer = proof;
    longer.push_back(root);
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index, probe.size, longer, root));
    auto flipped = proof;
    flipped[1][0] ^= 0x08;
    CHECK_FALSE(verify_inclusion(leaves[probe.index], probe.index, probe.size, flipped, root));
  }
}

TEST_CASE("consistency proofs are the published ones and verify", "[audit]") {
  auto leaves = published_leaves();
  struct Probe {
    const char* file;
    uint64_t size1, size2;
    std::vector<std::string> proof;
    std::string root1, root2;
  };
  const std::vector<Probe> probes = {{"testdata/consistency/2/happy-path.json",
                                      6,
                                      8,
                                      {"DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                                       "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
                                       "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="},
                                      "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
                                      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="},
                                     {"testdata/consistency/3/happy-path.json",
                                      2,
                                      5,
                                      {"Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                                       "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms="},
                                      "+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=",
                                      "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ="},
                                     {"testdata/consistency/4/happy-path.json",
                                      6,
                                      7,
                                      {"DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
                                       "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
                                       "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc="},
                                      "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=",
                                      "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw="},
                                     {"testdata/consistency/1/happy-path.json",
                                      1,
                                      8,
                                      {"lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=",
                                       "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
                                       "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="},
                                      "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
                                      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="}};
  for (const auto& probe : probes) {
    INFO(probe.file);
    auto proof = hashes_b64(probe.proof);
    auto root1 = hash_b64(probe.root1), root2 = hash_b64(probe.root2);
    CHECK(consistency_proof(leaves, probe.size1, probe.size2) == proof);
    CHECK(verify_consistency(probe.size1, probe.size2, proof, root1, root2));
    CHECK_FALSE(verify_consistency(0, probe.size2, proof, root1, root2));  // "size1 sub @1"
    CHECK_FALSE(verify_consistency(probe.size1 ^ 2, probe.size2, proof, root1, root2));
    CHECK_FALSE(verify_consistency(probe.size1, probe.size2 * 2, proof, root1, root2));
    CHECK_FALSE(verify_consistency(probe.size2, probe.size1, proof, root2, root1));
    CHECK_FALSE(verify_consistency(probe.size1, probe.size2, proof, root2, root1));
    CHECK_FALSE(verify_consistency(probe.size1, probe.size2, {}, root1, root2));
    auto flipped = proof;
    flipped.back()[31] ^= 0x08;
    CHECK_FALSE(verify_consistency(probe.size1, probe.size2, flipped, root1, root2));
  }
  // A tree is consistent with itself only by an empty proof, and any tree extends
  // the empty one.
  auto root8 = root_of(leaves);
  CHECK(verify_consistency(8, 8, {}, root8, root8));
  CHECK_FALSE(verify_consistency(8, 8, std::vector<Hash>{root8}, root8, root8));
  CHECK(verify_consistency(0, 8, {}, empty_root(), root8));
}

TEST_CASE("every proof of trees up to 40 leaves verifies and a changed one does not", "[audit]") {
  auto leaves = made_leaves(40);
  std::vector<Hash> roots;
  Frontier frontier;
  roots.push_back(frontier.root());
  for (const auto& leaf : leaves) {
    frontier.append(leaf);
    roots.push_back(frontier.root());
  }
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    REQUIRE(roots[size] == root_of(std::span<const Hash>(leaves).first(size)));
    for (uint64_t index = 0; index < size; ++index) {
      auto proof = inclusion_proof(leaves, index, size);
      INFO("inclusion " << index << " of " << size);
      REQUIRE(verify_inclusion(leaves[index], index, size, proof, roots[size]));
      if (!proof.empty()) {
        auto changed = proof;
        changed[index % proof.size()][7] ^= 0x01;
        REQUIRE_FALSE(verify_inclusion(leaves[index], index, size, changed, roots[size]));
      }
      REQUIRE_FALSE(verify_inclusion(leaves[index], index, size, proof, roots[size - 1]));
    }
    for (uint64_t old_size = 1; old_size < size; ++old_size) {
      auto proof = consistency_proof(leaves, old_size, size);
      INFO("consistency " << old_size << " to " << size);
      REQUIRE(verify_consistency(old_size, size, proof, roots[old_size], roots[size]));
      // A rewritten history: the old tree's last leaf changed.
      auto rewritten = leaves;
      rewritten[old_size - 1][0] ^= 0x01;
      auto other_root = root_of(std::span<const Hash>(rewritten).first(old_size));
      REQUIRE_FALSE(verify_consistency(old_size, size, proof, other_root, roots[size]));
    }
  }
  // Out of range: nothing to prove.
  CHECK(inclusion_proof(leaves, 5, 5).empty());
  CHECK(consistency_proof(leaves, 5, 41).empty());
  CHECK_FALSE(verify_inclusion(leaves[0], 0, 0, {}, empty_root()));
}

TEST_CASE("proofs from stored perfect subtrees equal the proofs from the leaves", "[audit]") {
  // The nodes a growing tree stores as it goes (Frontier::append_nodes), and the
  // proofs read back from them alone, for every size, index and pair up to 70.
  std::map<std::pair<uint8_t, uint64_t>, Hash> stored;
  NodeReader nodes = [&](const NodeId& id) -> std::optional<Hash> {
    auto it = stored.find({id.level, id.index});
    if (it == stored.end()) return std::nullopt;
    return it->second;
  };
  std::vector<Hash> leaves;
  Frontier frontier;
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(leaf_hash(std::to_string(i)));
    for (const auto& [id, hash] : frontier.append_nodes(leaves.back())) {
      REQUIRE(stored.emplace(std::pair{id.level, id.index}, hash).second);  // each once
    }
    REQUIRE(frontier.root() == root_of(leaves));
    REQUIRE(range_root(nodes, 0, leaves.size()) == root_of(leaves));
  }
  CHECK(stored.size() == 70 + 35 + 17 + 8 + 4 + 2 + 1);  // every perfect subtree, no more
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      INFO("inclusion " << index << " of " << size);
      REQUIRE(inclusion_proof(nodes, index, size) == inclusion_proof(leaves, index, size));
    }
    for (uint64_t old_size = 0; old_size <= size; ++old_size) {
      INFO("consistency " << old_size << " to " << size);
      REQUIRE(consistency_proof(nodes, old_size, size) ==
              consistency_proof(leaves, old_size, size));
    }
  }
  CHECK_FALSE(inclusion_proof(nodes, 5, 5));
  CHECK_FALSE(consistency_proof(nodes, 6, 5));
  // A node the proof needs is gone: no proof, rather than a wrong one. Leaves
  // 32-63's root is leaf 0's sibling at level 5; the first 64's root is stored whole,
  // so the tree's root and leaf 69's path do not need it.
  stored.erase({5, 1});
  CHECK_FALSE(inclusion_proof(nodes, 0, 70));
  CHECK_FALSE(range_root(nodes, 32, 64));
  CHECK_FALSE(consistency_proof(nodes, 32, 70));
  CHECK(range_root(nodes, 0, 70) == root_of(leaves));
  CHECK(inclusion_proof(nodes, 69, 70) == inclusion_proof(leaves, 69, 70));
}
