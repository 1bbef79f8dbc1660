// The index of national registry ids (one organisation per id) keys its entries by
// a keyed BLAKE2b hash of the normalised id, never by the id itself: RocksDB keeps
// the smallest and largest key of every table file in its MANIFEST, which is not
// rewritten by the compaction that scrubs an erased organisation, so an id used as
// a key would outlive its erasure there (found from outside, wave 3 M3).
#pragma once

#include <string>
#include <string_view>

namespace gosmart::registry {

// "PL 525-000-12-34" and "5250001234" are one id: spaces, dots and dashes dropped,
// upper case, the country prefix of a VAT-style number removed.
std::string normalise_national_id(std::string_view country, std::string_view registry_id);

class NationalIdIndex {
 public:
  // `secret`: the node's secret key, so that the hashes cannot be recomputed from
  // the data directory alone; empty: a random one, and the index is rebuilt at
  // each start (in-process tests).
  NationalIdIndex(std::string_view country, std::string_view secret);

  // The index key of an id; empty when the organisation gives none.
  std::string key(std::string_view registry_id) const;

  // Stored under kCheckKey: when it differs from the stored one (a new node key),
  // the index is rebuilt from the organisations.
  static std::string_view check_key() { return {"\0check", 6}; }
  const std::string& check_value() const { return check_; }

 private:
  std::string country_;
  std::string hash_key_;
  std::string check_;
};

}  // namespace gosmart::registry
