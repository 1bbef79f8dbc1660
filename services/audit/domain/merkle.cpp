#include "services/audit/domain/merkle.hpp"

#include <sodium.h>

#include <bit>

namespace gosmart::audit {

namespace {

// The largest power of two strictly below n (n >= 2).
uint64_t split_point(uint64_t n) {
  return std::bit_floor(n - 1);
}

void path(std::span<const Hash> leaves, uint64_t index, std::vector<Hash>& out) {
  // Built from the leaves up: the recursion reaches the leaf's level first, so the
  // sibling nearest the leaf is appended first.
  if (leaves.size() <= 1) return;
  uint64_t k = split_point(leaves.size());
  if (index < k) {
    path(leaves.first(k), index, out);
    out.push_back(root_of(leaves.subspan(k)));
  } else {
    path(leaves.subspan(k), index - k, out);
    out.push_back(root_of(leaves.first(k)));
  }
}

void subproof(std::span<const Hash> leaves, uint64_t m, bool whole, std::vector<Hash>& out) {
  uint64_t n = leaves.size();
  if (m == n) {
    if (!whole) out.push_back(root_of(leaves));
    return;
  }
  uint64_t k = split_point(n);
  if (m <= k) {
    subproof(leaves.first(k), m, whole, out);
    out.push_back(root_of(leaves.subspan(k)));
  } else {
    subproof(leaves.subspan(k), m - k, false, out);
    out.push_back(root_of(leaves.first(k)));
  }
}

// The stored-node versions of path() and subproof(): the same recursion over the
// leaf range [begin, end), each sibling's root read from perfect subtrees.
bool stored_path(const NodeReader& nodes, uint64_t begin, uint64_t end, uint64_t index,
                 std::vector<Hash>& out) {
  if (end - begin <= 1) return true;
  uint64_t k = split_point(end - begin);
  std::optional<Hash> sibling;
  if (index < k) {
    if (!stored_path(nodes, begin, begin + k, index, out)) return false;
    sibling = range_root(nodes, begin + k, end);
  } else {
    if (!stored_path(nodes, begin + k, end, index - k, out)) return false;
    sibling = range_root(nodes, begin, begin + k);
  }
  if (!sibling) return false;
  out.push_back(*sibling);
  return true;
}

bool stored_subproof(const NodeReader& nodes, uint64_t begin, uint64_t end, uint64_t m, bool whole,
                     std::vector<Hash>& out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (whole) return true;
    auto root = range_root(nodes, begin, end);
    if (!root) return false;
    out.push_back(*root);
    return true;
  }
  uint64_t k = split_point(n);
  std::optional<Hash> other;
  if (m <= k) {
    if (!stored_subproof(nodes, begin, begin + k, m, whole, out)) return false;
    other = range_root(nodes, begin + k, end);
  } else {
    if (!stored_subproof(nodes, begin + k, end, m - k, false, out)) return false;
    other = range_root(nodes, begin, begin + k);
  }
  if (!other) return false;
  out.push_back(*other);
  return true;
}

// Shifts both right until the lowest bit of `first` is set or it is 0.
void drop_zero_bits(uint64_t& first, uint64_t& second) {
  while (first != 0 && (first & 1) == 0) {
    first >>= 1;
    second >>= 1;
  }
}

}  // namespace

Hash empty_root() {
  static const uint8_t nothing = 0;  // a pointer, never read: libsodium's may not be null
  Hash out;
  crypto_hash_sha256(out.data(), &nothing, 0);
  return out;
}

Hash leaf_hash(std::span<const uint8_t> entry) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const uint8_t prefix = 0x00;
  crypto_hash_sha256_update(&state, &prefix, 1);
  if (!entry.empty()) crypto_hash_sha256_update(&state, entry.data(), entry.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

Hash node_hash(const Hash& left, const Hash& right) {
  uint8_t input[1 + 2 * 32];
  input[0] = 0x01;
  std::copy(left.begin(), left.end(), input + 1);
  std::copy(right.begin(), right.end(), input + 1 + 32);
  Hash out;
  crypto_hash_sha256(out.data(), input, sizeof input);
  return out;
}

Hash root_of(std::span<const Hash> leaves) {
  if (leaves.empty()) return empty_root();
  if (leaves.size() == 1) return leaves[0];
  uint64_t k = split_point(leaves.size());
  return node_hash(root_of(leaves.first(k)), root_of(leaves.subspan(k)));
}

std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, uint64_t index, uint64_t size) {
  std::vector<Hash> out;
  if (size > leaves.size() || index >= size) return out;
  path(leaves.first(size), index, out);
  return out;
}

std::vector<Hash> consistency_proof(std::span<const Hash> leaves, uint64_t old_size,
                                    uint64_t new_size) {
  std::vector<Hash> out;
  if (new_size > leaves.size() || old_size == 0 || old_size >= new_size) return out;
  subproof(leaves.first(new_size), old_size, true, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, uint64_t index, uint64_t size, std::span<const Hash> proof,
                      const Hash& root) {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf;
  for (const auto& p : proof) {
    if (sn == 0) return false;  // the proof is longer than the path
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      drop_zero_bits(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(uint64_t old_size, uint64_t new_size, std::span<const Hash> proof,
                        const Hash& old_root, const Hash& new_root) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();
  if (proof.empty()) return false;
  // When the old tree is a perfect subtree of the new one, its root is the proof's
  // unwritten first element.
  std::vector<Hash> path;
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      drop_zero_bits(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

std::optional<Hash> range_root(const NodeReader& nodes, uint64_t begin, uint64_t end) {
  if (end <= begin) return begin == end ? std::optional<Hash>(empty_root()) : std::nullopt;
  uint64_t n = end - begin;
  // A perfect subtree aligned on its own size is stored as one node.
  if (std::has_single_bit(n) && begin % n == 0) {
    return nodes(NodeId{static_cast<uint8_t>(std::countr_zero(n)), begin / n});
  }
  uint64_t k = split_point(n);
  auto left = range_root(nodes, begin, begin + k);
  auto right = left ? range_root(nodes, begin + k, end) : std::nullopt;
  if (!right) return std::nullopt;
  return node_hash(*left, *right);
}

std::optional<std::vector<Hash>> inclusion_proof(const NodeReader& nodes, uint64_t index,
                                                 uint64_t size) {
  if (index >= size) return std::nullopt;
  std::vector<Hash> out;
  if (!stored_path(nodes, 0, size, index, out)) return std::nullopt;
  return out;
}

std::optional<std::vector<Hash>> consistency_proof(const NodeReader& nodes, uint64_t old_size,
                                                   uint64_t new_size) {
  if (old_size > new_size) return std::nullopt;
  std::vector<Hash> out;
  if (old_size == 0 || old_size == new_size) return out;
  if (!stored_subproof(nodes, 0, new_size, old_size, true, out)) return std::nullopt;
  return out;
}

std::vector<std::pair<NodeId, Hash>> Frontier::append_nodes(const Hash& leaf) {
  std::vector<std::pair<NodeId, Hash>> out;
  NodeId id{0, size_};
  out.push_back({id, leaf});
  edge_.push_back(leaf);
  ++size_;
  // Each trailing 1 bit of the old size is a perfect subtree of the new leaf's size
  // that now has a sibling: merged into one of twice the size, one level up.
  for (uint64_t carry = size_ - 1; (carry & 1) == 1; carry >>= 1) {
    Hash right = edge_.back();
    edge_.pop_back();
    edge_.back() = node_hash(edge_.back(), right);
    ++id.level;
    id.index >>= 1;
    out.push_back({id, edge_.back()});
  }
  return out;
}

void Frontier::append(const Hash& leaf) {
  append_nodes(leaf);
}

Hash Frontier::root() const {
  if (edge_.empty()) return empty_root();
  Hash r = edge_.back();
  for (std::size_t i = edge_.size() - 1; i-- > 0;) r = node_hash(edge_[i], r);
  return r;
}

bool Frontier::from_edge(uint64_t size, std::vector<Hash> edge, Frontier& out) {
  if (static_cast<uint64_t>(std::popcount(size)) != edge.size()) return false;
  out.size_ = size;
  out.edge_ = std::move(edge);
  return true;
}

}  // namespace gosmart::audit
