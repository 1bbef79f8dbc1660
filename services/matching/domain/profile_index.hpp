#pragma once
// The in-memory index of every published profile the node knows: compact documents
// (codes interned into small ids and bit masks) and postings per profile kind, so a
// query only walks the kinds that can complement it. Rebuilt from the RocksDB copy
// at start; removal leaves a dead slot that the next compaction reclaims.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "schemas/matching.capnp.h"
#include "services/matching/domain/nace.hpp"

namespace gosmart::matching {

inline constexpr int kKinds = 6;  // wire::ProfileKind, unknown included

using Slot = uint32_t;

struct Doc {
  std::string profile_id;
  std::string owner_id;
  std::string title;
  uint8_t kind = 0;                    // wire::ProfileKind
  uint8_t country = 0;                 // interned country id
  uint8_t owner_type = 0;              // wire::OrgType
  uint8_t owner_size = 0;              // wire::SizeClass
  uint16_t cooperation_mask = 0;       // bit per wire::CooperationType
  uint16_t partner_types_mask = 0;     // bit per wire::OrgType; 0: any
  uint8_t partner_sizes_mask = 0;      // bit per wire::SizeClass; 0: any
  uint32_t target_countries_mask = 0;  // bit per country id; 0: any
  uint8_t required_mask = 0;           // bit per wire::Requirement: preferences that exclude
  int32_t published_day = 0;           // days since 1970-01-01; 0: not known
  int32_t expires_day = 0;             // the last day shown, days since 1970-01-01; 0: none
  uint64_t languages_mask = 0;         // bit per interned language
  std::vector<uint16_t> domains;       // profile's and owner's, interned, sorted, unique
  std::vector<NaceCode> nace;          // profile's codes, else the owner's
  std::vector<std::pair<uint32_t, uint16_t>> terms;  // term id, frequency; by id
  uint32_t length = 0;                               // sum of frequencies
  bool live = true;
};

// Interns strings into dense ids (a vocabulary, domains, countries, languages).
class Interner {
 public:
  uint32_t id(const std::string& text);
  std::optional<uint32_t> find(const std::string& text) const;
  const std::string& text(uint32_t id) const { return texts_[id]; }
  std::size_t size() const { return texts_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> texts_;
};

struct Posting {
  Slot slot;
  uint16_t frequency;
};

// Calls fn(term, frequency in a, frequency in b) for every term both documents hold
// (their term lists are sorted by id: one merge, no lookups).
template <class Fn>
void for_each_shared_term(const Doc& a, const Doc& b, Fn&& fn) {
  auto i = a.terms.begin();
  auto j = b.terms.begin();
  while (i != a.terms.end() && j != b.terms.end()) {
    if (i->first == j->first) {
      fn(i->first, i->second, j->second);
      ++i;
      ++j;
    } else if (i->first < j->first) {
      ++i;
    } else {
      ++j;
    }
  }
}

class ProfileIndex {
 public:
  // Adds (or replaces) the profile of `record`.
  Slot add(wire::IndexedProfile::Reader record);
  // Builds a document without adding it (a free query, or a profile not indexed).
  Doc make_doc(wire::IndexedProfile::Reader record);
  bool remove(const std::string& profile_id);

  std::optional<Slot> find(const std::string& profile_id) const;
  const Doc& doc(Slot slot) const { return docs_[slot]; }
  std::size_t slots() const { return docs_.size(); }
  std::size_t size() const { return live_; }
  std::vector<std::string> profiles_of_owner(const std::string& owner_id) const;

  const std::vector<Posting>& postings(int kind, uint32_t term) const;
  const std::vector<Slot>& domain_postings(int kind, uint16_t domain) const;
  const std::vector<Slot>& division_postings(int kind, uint8_t division) const;

  // BM25 statistics over live documents.
  double idf(uint32_t term) const;
  std::size_t document_frequency(uint32_t term) const { return term < df_.size() ? df_[term] : 0; }
  double average_length() const;

  Interner& terms() { return terms_; }
  const Interner& terms() const { return terms_; }
  Interner& domains() { return domains_; }
  const Interner& domains() const { return domains_; }
  Interner& countries() { return countries_; }
  const Interner& countries() const { return countries_; }
  Interner& languages() { return languages_; }
  const Interner& languages() const { return languages_; }

  // Bytes held by documents and postings, roughly (for health and the benchmark).
  std::size_t memory_bytes() const;

 private:
  void post(Slot slot);
  void compact();

  std::vector<Doc> docs_;
  std::unordered_map<std::string, Slot> by_id_;
  std::unordered_map<std::string, std::vector<std::string>> by_owner_;
  std::vector<std::vector<Posting>> postings_[kKinds];  // [kind][term]
  std::vector<std::vector<Slot>> domain_postings_[kKinds];
  std::vector<Slot> division_postings_[kKinds][100];
  std::vector<uint32_t> df_;  // live documents per term
  std::size_t live_ = 0;
  uint64_t total_length_ = 0;
  Interner terms_, domains_, countries_, languages_;
};

}  // namespace gosmart::matching
