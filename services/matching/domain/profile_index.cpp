#include "services/matching/domain/profile_index.hpp"

#include "services/matching/domain/calendar.hpp"

#include <algorithm>
#include <cmath>

namespace gosmart::matching {

uint32_t Interner::id(const std::string& text) {
  auto [it, inserted] = ids_.emplace(text, static_cast<uint32_t>(texts_.size()));
  if (inserted) texts_.push_back(text);
  return it->second;
}

std::optional<uint32_t> Interner::find(const std::string& text) const {
  auto it = ids_.find(text);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

namespace {

const std::vector<Posting> kNoPostings;
const std::vector<Slot> kNoSlots;

template <class List>
uint32_t mask_of(List list, unsigned limit) {
  uint32_t mask = 0;
  for (auto value : list) {
    auto bit = static_cast<unsigned>(value);
    if (bit < limit) mask |= 1u << bit;
  }
  return mask;
}

}  // namespace

Doc ProfileIndex::make_doc(wire::IndexedProfile::Reader record) {
  auto profile = record.getProfile();
  auto owner = record.getOwner();
  Doc doc;
  doc.profile_id = profile.getId();
  doc.owner_id = owner.getId();
  doc.title = profile.getTitle();
  doc.kind = static_cast<uint8_t>(profile.getKind());
  doc.country = static_cast<uint8_t>(countries_.id(owner.getCountry()));
  doc.owner_type = static_cast<uint8_t>(owner.getType());
  doc.owner_size = static_cast<uint8_t>(owner.getSizeClass());
  doc.cooperation_mask = static_cast<uint16_t>(mask_of(profile.getCooperationTypes(), 16));
  doc.partner_types_mask = static_cast<uint16_t>(mask_of(profile.getPartnerTypes(), 16));
  doc.partner_sizes_mask = static_cast<uint8_t>(mask_of(profile.getPartnerSizes(), 8));
  doc.required_mask = static_cast<uint8_t>(mask_of(profile.getRequirements(), 8));
  doc.expires_day = day_number(profile.getExpiresOn().cStr()).value_or(0);
  if (auto published = day_number(profile.getPublishedOn().cStr())) {
    doc.published_day = *published;
  } else if (profile.getCreatedUs() > 0) {  // published before publishedOn was kept
    doc.published_day = static_cast<int32_t>(profile.getCreatedUs() / 86'400'000'000);
  }
  for (auto country : profile.getTargetCountries()) {
    auto id = countries_.id(country);
    if (id < 32) doc.target_countries_mask |= 1u << id;
  }
  for (auto language : owner.getLanguages()) {
    auto id = languages_.id(language);
    if (id < 64) doc.languages_mask |= uint64_t{1} << id;
  }
  for (auto domain : profile.getDomains()) {
    doc.domains.push_back(static_cast<uint16_t>(domains_.id(domain)));
  }
  for (auto domain : owner.getDomains()) {
    doc.domains.push_back(static_cast<uint16_t>(domains_.id(domain)));
  }
  std::sort(doc.domains.begin(), doc.domains.end());
  doc.domains.erase(std::unique(doc.domains.begin(), doc.domains.end()), doc.domains.end());
  auto codes = profile.getNaceCodes().size() > 0 ? profile.getNaceCodes() : owner.getNaceCodes();
  for (auto code : codes) {
    if (auto parsed = parse_nace(code.cStr())) doc.nace.push_back(*parsed);
  }
  for (auto term : record.getTerms()) {
    doc.terms.emplace_back(terms_.id(term.getTerm()), term.getCount());
    doc.length += term.getCount();
  }
  std::sort(doc.terms.begin(), doc.terms.end());
  return doc;
}

Slot ProfileIndex::add(wire::IndexedProfile::Reader record) {
  remove(record.getProfile().getId());
  auto slot = static_cast<Slot>(docs_.size());
  docs_.push_back(make_doc(record));
  const auto& doc = docs_.back();
  by_id_[doc.profile_id] = slot;
  by_owner_[doc.owner_id].push_back(doc.profile_id);
  ++live_;
  total_length_ += doc.length;
  post(slot);
  return slot;
}

void ProfileIndex::post(Slot slot) {
  const auto& doc = docs_[slot];
  int kind = doc.kind < kKinds ? doc.kind : 0;
  auto& postings = postings_[kind];
  for (const auto& [term, frequency] : doc.terms) {
    if (postings.size() <= term) postings.resize(terms_.size());
    postings[term].push_back({slot, frequency});
    if (df_.size() <= term) df_.resize(terms_.size());
    ++df_[term];
  }
  auto& domains = domain_postings_[kind];
  for (auto domain : doc.domains) {
    if (domains.size() <= domain) domains.resize(domains_.size());
    domains[domain].push_back(slot);
  }
  uint8_t last_division = 0;
  for (const auto& code : doc.nace) {
    if (code.division == last_division) continue;
    division_postings_[kind][code.division].push_back(slot);
    last_division = code.division;
  }
}

bool ProfileIndex::remove(const std::string& profile_id) {
  auto it = by_id_.find(profile_id);
  if (it == by_id_.end()) return false;
  auto& doc = docs_[it->second];
  doc.live = false;
  for (const auto& [term, frequency] : doc.terms) --df_[term];
  total_length_ -= doc.length;
  --live_;
  auto& owned = by_owner_[doc.owner_id];
  owned.erase(std::remove(owned.begin(), owned.end(), profile_id), owned.end());
  if (owned.empty()) by_owner_.erase(doc.owner_id);
  by_id_.erase(it);
  if (docs_.size() > 1024 && docs_.size() - live_ > live_ / 4) compact();
  return true;
}

void ProfileIndex::compact() {
  std::vector<Doc> kept;
  kept.reserve(live_);
  for (auto& doc : docs_) {
    if (doc.live) kept.push_back(std::move(doc));
  }
  docs_ = std::move(kept);
  for (auto& kind : postings_) kind.clear();
  for (auto& kind : domain_postings_) kind.clear();
  for (auto& kind : division_postings_) {
    for (auto& list : kind) list.clear();
  }
  std::fill(df_.begin(), df_.end(), 0);
  by_id_.clear();
  for (Slot slot = 0; slot < docs_.size(); ++slot) {
    by_id_[docs_[slot].profile_id] = slot;
    post(slot);
  }
}

std::optional<Slot> ProfileIndex::find(const std::string& profile_id) const {
  auto it = by_id_.find(profile_id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ProfileIndex::profiles_of_owner(const std::string& owner_id) const {
  auto it = by_owner_.find(owner_id);
  return it == by_owner_.end() ? std::vector<std::string>{} : it->second;
}

const std::vector<Posting>& ProfileIndex::postings(int kind, uint32_t term) const {
  if (kind < 0 || kind >= kKinds) return kNoPostings;
  const auto& list = postings_[kind];
  return term < list.size() ? list[term] : kNoPostings;
}

const std::vector<Slot>& ProfileIndex::domain_postings(int kind, uint16_t domain) const {
  if (kind < 0 || kind >= kKinds) return kNoSlots;
  const auto& list = domain_postings_[kind];
  return domain < list.size() ? list[domain] : kNoSlots;
}

const std::vector<Slot>& ProfileIndex::division_postings(int kind, uint8_t division) const {
  if (kind < 0 || kind >= kKinds) return kNoSlots;
  return division < 100 ? division_postings_[kind][division] : kNoSlots;
}

double ProfileIndex::idf(uint32_t term) const {
  double n = static_cast<double>(live_);
  double df = term < df_.size() ? static_cast<double>(df_[term]) : 0.0;
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double ProfileIndex::average_length() const {
  return live_ == 0 ? 1.0 : static_cast<double>(total_length_) / static_cast<double>(live_);
}

std::size_t ProfileIndex::memory_bytes() const {
  std::size_t bytes = docs_.capacity() * sizeof(Doc);
  for (const auto& doc : docs_) {
    bytes += doc.terms.capacity() * sizeof(doc.terms[0]) + doc.domains.capacity() * 2 +
             doc.nace.capacity() * sizeof(NaceCode) + doc.profile_id.capacity() +
             doc.owner_id.capacity() + doc.title.capacity();
  }
  for (const auto& kind : postings_) {
    for (const auto& list : kind) bytes += list.capacity() * sizeof(Posting) + sizeof(list);
  }
  return bytes;
}

}  // namespace gosmart::matching
