#pragma once
// The Merkle tree of RFC 6962 (section 2.1), kept by RFC 9162: the audit log's
// entries are its leaves, in the order the audit appended them.
//
//   leaf hash  = SHA-256(0x00 || entry)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256()             the empty tree
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n
//
// The domain prefixes keep a leaf from passing for a node (second preimages). An
// inclusion proof shows an entry is in a tree of a given size and root; a
// consistency proof shows a tree is an append-only extension of an older one, which
// is what a witness (a peer audit) checks before it cosigns a checkpoint. The
// verifiers follow RFC 9162 2.1.3.2 and 2.1.4.2; the proofs are RFC 6962's PATH and
// PROOF. Checked against published vectors (tests/unit/audit_merkle_test.cpp).
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace gosmart::audit {

using Hash = std::array<uint8_t, 32>;

Hash empty_root();
Hash leaf_hash(std::span<const uint8_t> entry);
inline Hash leaf_hash(std::string_view entry) {
  return leaf_hash({reinterpret_cast<const uint8_t*>(entry.data()), entry.size()});
}
Hash node_hash(const Hash& left, const Hash& right);

// MTH of the leaves whose hashes are given, in order.
Hash root_of(std::span<const Hash> leaves);

// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 6962
// PATH), nearest sibling first. Requires index < size <= leaves.size().
std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, uint64_t index, uint64_t size);
// The consistency proof from the tree of `old_size` leaves to that of `new_size`
// (RFC 6962 PROOF). Requires old_size <= new_size <= leaves.size(); empty when
// old_size is 0 or equals new_size.
std::vector<Hash> consistency_proof(std::span<const Hash> leaves, uint64_t old_size,
                                    uint64_t new_size);

// Whether `proof` shows `leaf` at `index` in the tree of `size` leaves with `root`.
bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                      const Hash& root);
// Whether `proof` shows the tree (`new_size`, `new_root`) extends (`old_size`,
// `old_root`) by appending only. A tree of size 0 is extended by any tree (with an
// empty proof); a tree is consistent with itself only with an empty proof.
bool verify_consistency(uint64_t old_size, uint64_t new_size, std::span<const Hash> proof,
                        const Hash& old_root, const Hash& new_root);

// A tree kept in a store: every perfect subtree by its level (0: a leaf) and its
// index at that level, i.e. the root of leaves [index·2^level, (index+1)·2^level).
// About two hashes a leaf; any proof then reads O(log² n) of them, never the whole
// history (the layout of Go's sumdb/tlog stored hashes).
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;
  bool operator==(const NodeId&) const = default;
};
// Reads a stored node; nullopt when it is not there (a proof then fails).
using NodeReader = std::function<std::optional<Hash>(const NodeId&)>;
// The root of leaves [begin, end) from stored nodes (end <= the tree's size).
std::optional<Hash> range_root(const NodeReader& nodes, uint64_t begin, uint64_t end);
// As the span versions above, from stored nodes of a tree of at least `size` (or
// `new_size`) leaves; nullopt when a node needed is missing or the sizes are wrong.
std::optional<std::vector<Hash>> inclusion_proof(const NodeReader& nodes, uint64_t index,
                                                 uint64_t size);
std::optional<std::vector<Hash>> consistency_proof(const NodeReader& nodes, uint64_t old_size,
                                                   uint64_t new_size);

// The right edge of a growing tree: one perfect subtree per bit of its size, the
// largest first. Appending is amortised O(1) hashing, the root O(log n): the audit
// keeps this with its log so that a checkpoint never reads the whole history.
class Frontier {
 public:
  void append(const Hash& leaf);
  // Appends and returns the nodes the leaf completes, to be stored: the leaf itself
  // (level 0) and each perfect subtree its arrival closes, lowest first.
  std::vector<std::pair<NodeId, Hash>> append_nodes(const Hash& leaf);
  uint64_t size() const { return size_; }
  Hash root() const;
  // The subtrees' roots, largest first, and back: the frontier is stored with the
  // log and read back at start (from_edge refuses an edge whose count is not the
  // number of bits set in `size`; the hashes themselves only the log can check).
  const std::vector<Hash>& edge() const { return edge_; }
  static bool from_edge(uint64_t size, std::vector<Hash> edge, Frontier& out);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;
};

}  // namespace gosmart::audit
