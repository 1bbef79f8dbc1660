#include "services/matching/domain/term_dictionary.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "services/matching/domain/text_analysis.hpp"

namespace gosmart::matching {
namespace {

// dictd index offsets and lengths are numbers in base 64 (A-Z a-z 0-9 + /).
std::optional<uint64_t> base64_number(std::string_view text) {
  uint64_t value = 0;
  for (char c : text) {
    int digit = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+'             ? 62
                : c == '/'             ? 63
                                       : -1;
    if (digit < 0) return std::nullopt;
    value = value * 64 + static_cast<uint64_t>(digit);
  }
  return value;
}

// A .dict.dz is gzip (dictzip adds random access, which a whole read does not need).
std::string read_gzip(const std::filesystem::path& file) {
  // gzip's trailer holds the length (mod 2^32): one allocation, not a growing copy
  // (the German dictionary is 100 MB; growing cost more than inflating it).
  std::size_t expected = 0;
  {
    std::ifstream raw(file, std::ios::binary | std::ios::ate);
    if (raw && raw.tellg() >= 4) {
      raw.seekg(-4, std::ios::end);
      unsigned char size[4] = {};
      raw.read(reinterpret_cast<char*>(size), 4);
      expected = size[0] | (size[1] << 8) | (size[2] << 16) | (std::size_t{size[3]} << 24);
    }
  }
  gzFile in = gzopen(file.c_str(), "rb");
  if (!in) throw std::runtime_error("cannot open " + file.string());
  gzbuffer(in, 1 << 17);
  std::string out(expected, '\0');
  std::size_t filled = 0;
  int n = 0;
  for (;;) {
    if (filled == out.size()) out.resize(out.size() + (1 << 20));
    n = gzread(in, out.data() + filled,
               static_cast<unsigned>(std::min<std::size_t>(out.size() - filled, 1 << 30)));
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  out.resize(filled);
  bool failed = n < 0;
  gzclose(in);
  if (failed) throw std::runtime_error("cannot read " + file.string());
  return out;
}

struct IndexLine {
  std::string_view headword;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Calls `each` for every index line; skips dictd's own "00-database-*" entries.
template <class Each>
void for_each_index_line(const std::filesystem::path& file, Each&& each) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::string line;
  while (std::getline(in, line)) {
    std::string_view view(line);
    auto first = view.find('\t');
    auto second = first == std::string_view::npos ? first : view.find('\t', first + 1);
    if (second == std::string_view::npos) continue;
    IndexLine entry;
    entry.headword = view.substr(0, first);
    if (entry.headword.rfind("00-database", 0) == 0 || entry.headword.rfind("00database", 0) == 0) {
      continue;
    }
    auto offset = base64_number(view.substr(first + 1, second - first - 1));
    auto length = base64_number(view.substr(second + 1));
    if (!offset || !length) continue;
    entry.offset = *offset;
    entry.length = *length;
    each(entry);
  }
}

// One word (a headword with spaces is a phrase: never a token, so not kept).
bool single_word(std::string_view word) {
  return !word.empty() && word.find_first_of(" -.'") == std::string_view::npos;
}

std::string_view trimmed(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t.");
  return text.substr(first, last - first + 1);
}

// Drops "<...>" grammar tags, "(...)" remarks and "[...]" domain labels.
std::string without_brackets(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '<' || c == '(' || c == '[') {
      ++depth;
    } else if ((c == '>' || c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

// The sense line of an entry: the first non-empty line after the headword's.
std::string_view sense_line(std::string_view entry) {
  auto end = entry.find('\n');
  while (end != std::string_view::npos) {
    auto start = end + 1;
    end = entry.find('\n', start);
    auto line = entry.substr(start, end == std::string_view::npos ? entry.npos : end - start);
    if (!trimmed(line).empty()) return line;
  }
  return {};
}

// A sense the dictionary labels technical, economic or scientific: such senses are
// what profiles mean, so they come first ("Blatt": blade before leaf).
bool technical_sense(std::string_view line) {
  for (std::string_view label : {"[techn.", "[econ.", "[constr.", "[agr.", "[electr.", "[mach.",
                                 "[chem.", "[biol.", "[med.", "[comp.", "[phys.", "[auto."}) {
    if (line.find(label) != std::string_view::npos) return true;
  }
  return false;
}

std::string folded(std::string_view word) {
  return fold_diacritics(lower_utf8(word));
}

constexpr std::size_t kMaxTranslations = 4;

}  // namespace

std::vector<std::string> english_translations(std::string_view entry, std::size_t max) {
  std::vector<std::string> out;
  std::string cleaned = without_brackets(sense_line(entry));
  std::size_t start = 0;
  while (start <= cleaned.size() && out.size() < max) {
    auto end = cleaned.find_first_of(",;", start);
    if (end == std::string::npos) end = cleaned.size();
    std::string item(trimmed(std::string_view(cleaned).substr(start, end - start)));
    start = end + 1;
    if (item.empty() || item.find_first_of("0123456789\"{}/=") != std::string::npos) continue;
    if (std::count(item.begin(), item.end(), ' ') >= 3) continue;
    out.push_back(std::move(item));
  }
  return out;
}

const std::vector<TermDictionary::Source>& TermDictionary::sources() {
  static const std::vector<Source> known = {{"de", "freedict-deu-eng"},
                                            {"fi", "freedict-fin-eng"},
                                            {"da", "freedict-dan-eng"},
                                            {"pl", "freedict-pol-eng"},
                                            {"lt", "freedict-lit-eng"}};
  return known;
}

TermDictionary::Language& TermDictionary::language(const std::string& code) {
  for (auto& held : languages_) {
    if (held.code == code) return held;
  }
  languages_.push_back({code, {}, {}});
  return languages_.back();
}

void TermDictionary::add(const std::string& code, const std::string& headword,
                         const std::string& translations) {
  std::string word = folded(headword);
  if (!single_word(word) || translations.empty()) return;
  Entry entry{word, static_cast<uint32_t>(pool_.size()),
              static_cast<uint32_t>(translations.size())};
  pool_ += translations;
  language(code).entries.push_back(std::move(entry));
  ++entries_;
}

void TermDictionary::add_english(const std::string& word) {
  std::string lowered = lower_utf8(word);
  if (single_word(lowered)) english_.push_back(std::move(lowered));
}

void TermDictionary::finish() {
  Analyser analyser;
  for (auto& held : languages_) {
    std::stable_sort(held.entries.begin(), held.entries.end(),
                     [](const Entry& a, const Entry& b) { return a.headword < b.headword; });
    held.stems.clear();
    if (held.entries.size() > kStemIndexUpTo) continue;
    for (uint32_t i = 0; i < held.entries.size(); ++i) {
      held.stems.emplace_back(analyser.term(held.entries[i].headword, held.code), i);
    }
    std::sort(held.stems.begin(), held.stems.end());
  }
  std::sort(english_.begin(), english_.end());
  english_.erase(std::unique(english_.begin(), english_.end()), english_.end());
}

void TermDictionary::save(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + file.string());
  for (const auto& language : languages_) {
    for (const auto& entry : language.entries) {
      out << language.code << '\t' << entry.headword << '\t'
          << std::string_view(pool_.data() + entry.offset, entry.length) << '\n';
    }
  }
  for (const auto& word : english_) out << "en\t" << word << '\n';
  for (const auto& code : missing_) out << "missing\t" << code << '\n';
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

std::filesystem::path TermDictionary::default_location() {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string name = "share/gosmart/freedict-terms.tsv";
  if (!error) {
    auto built = exe.parent_path().parent_path() / name;
    if (std::filesystem::is_regular_file(built, error)) return built;
  }
  if (std::filesystem::is_regular_file("/usr/" + name, error)) return "/usr/" + name;
  return "/usr/share/dictd";
}

TermDictionary TermDictionary::load(const std::filesystem::path& dir) {
  TermDictionary dictionary;
  if (std::filesystem::is_regular_file(dir)) {
    std::ifstream in(dir);
    if (!in) throw std::runtime_error("cannot open " + dir.string());
    std::string line;
    while (std::getline(in, line)) {
      auto first = line.find('\t');
      if (first == std::string::npos) continue;
      std::string code = line.substr(0, first);
      auto second = line.find('\t', first + 1);
      if (code == "en") {
        dictionary.english_.push_back(line.substr(first + 1));
      } else if (code == "missing") {
        dictionary.missing_.push_back(line.substr(first + 1));
      } else if (second != std::string::npos) {
        dictionary.add(code, line.substr(first + 1, second - first - 1), line.substr(second + 1));
      }
    }
    dictionary.finish();
    return dictionary;
  }
  for (const auto& source : sources()) {
    auto index = dir / (source.file + ".index");
    auto data = dir / (source.file + ".dict.dz");
    if (!std::filesystem::exists(index) || !std::filesystem::exists(data)) {
      dictionary.missing_.push_back(source.language);
      continue;
    }
    std::string text = read_gzip(data);
    // Entries of one headword (one per sense) are adjacent in the index: their
    // translations are gathered, technical senses first, then added at once.
    std::string headword;
    std::vector<std::string> technical, general;
    auto flush = [&] {
      std::string joined;
      std::size_t taken = 0;
      for (const auto* list : {&technical, &general}) {
        for (const auto& item : *list) {
          if (taken == kMaxTranslations) break;
          if (joined.find(item) != std::string::npos) continue;
          joined += (joined.empty() ? "" : ", ") + item;
          ++taken;
        }
      }
      if (!headword.empty()) dictionary.add(source.language, headword, joined);
      technical.clear();
      general.clear();
    };
    for_each_index_line(index, [&](const IndexLine& line) {
      if (line.offset + line.length > text.size()) return;
      if (line.headword != headword) {
        flush();
        headword = line.headword;
      }
      if (!single_word(line.headword)) return;
      std::string_view entry(text.data() + line.offset, line.length);
      auto& into = technical_sense(sense_line(entry)) ? technical : general;
      for (auto& item : english_translations(entry)) into.push_back(std::move(item));
    });
    flush();
  }
  // English vocabulary: the headwords of the English-German dictionary, if there.
  auto english = dir / "freedict-eng-deu.index";
  if (std::filesystem::exists(english)) {
    for_each_index_line(english, [&](const IndexLine& line) {
      dictionary.add_english(std::string(line.headword));
    });
  }
  dictionary.finish();
  return dictionary;
}

const TermDictionary::Entry* TermDictionary::find(const Language& language, const std::string& word,
                                                  Analyser& analyser) const {
  const auto& entries = language.entries;
  auto by_headword = [](const Entry& entry, const std::string& key) {
    return entry.headword < key;
  };
  auto exact = std::lower_bound(entries.begin(), entries.end(), word, by_headword);
  if (exact != entries.end() && exact->headword == word) return &*exact;
  // Inflected: a headword of the same stem.
  std::string stem = analyser.term(word, language.code);
  if (stem.size() < 3) return nullptr;
  if (!language.stems.empty()) {
    auto it = std::lower_bound(language.stems.begin(), language.stems.end(),
                               std::make_pair(stem, uint32_t{0}));
    if (it != language.stems.end() && it->first == stem) return &entries[it->second];
    return nullptr;
  }
  // German: a headword of that stem starts with it.
  const Entry* best = nullptr;
  int candidates = 0;
  for (auto it = std::lower_bound(entries.begin(), entries.end(), stem, by_headword);
       it != entries.end() && it->headword.compare(0, stem.size(), stem) == 0 && candidates < 24;
       ++it, ++candidates) {
    // The headword's own stem is the token's, or a letter or two longer: stemmers
    // leave some stems of the base form longer ("pumppu" -> "pumpp", "pumppua" -> "pump").
    std::string own = analyser.term(it->headword, language.code);
    if (own.size() > stem.size() + 2) continue;
    if (own == stem) return &*it;
    if (!best || it->headword.size() < best->headword.size()) best = &*it;
  }
  return best;
}

bool TermDictionary::split(const Language& language, const std::string& word, int parts,
                           Analyser& analyser, std::vector<const Entry*>& found) const {
  if (const Entry* whole = find(language, word, analyser)) {
    found.push_back(whole);
    return true;
  }
  if (parts < 2 || word.size() < 6) return false;
  // The longest known modifier first ("Windkraft|anlage" before "Wind|kraftanlage").
  for (std::size_t at = word.size() - 3; at >= 3; --at) {
    if ((static_cast<unsigned char>(word[at]) & 0xC0) == 0x80) continue;  // inside a letter
    std::string left = word.substr(0, at);
    const Entry* modifier = find(language, left, analyser);
    // German joins parts with a linking "s" often (Arbeitsschutz).
    if (!modifier && left.size() > 4 && left.back() == 's') {
      modifier = find(language, left.substr(0, left.size() - 1), analyser);
    }
    if (!modifier) continue;
    std::size_t before = found.size();
    found.push_back(modifier);
    if (split(language, word.substr(at), parts - 1, analyser, found)) return true;
    found.resize(before);
  }
  return false;
}

bool TermDictionary::is_english(const std::string& token) const {
  auto known = [&](std::string_view word) {
    return std::binary_search(english_.begin(), english_.end(), word,
                              [](std::string_view a, std::string_view b) { return a < b; });
  };
  if (known(token)) return true;
  // Inflected English: the vocabulary holds base forms ("pumps", "welded", "coating").
  std::string_view word(token);
  for (std::string_view ending : {"s", "es", "ed", "d", "ing", "ies"}) {
    if (word.size() > ending.size() + 2 && word.substr(word.size() - ending.size()) == ending) {
      std::string base(word.substr(0, word.size() - ending.size()));
      if (known(base) || (ending == "ies" && known(base + "y")) ||
          (ending == "ing" && known(base + "e"))) {
        return true;
      }
    }
  }
  return false;
}

EnglishTerms TermDictionary::english_of(const std::string& token, Analyser& analyser) const {
  EnglishTerms out;
  if (entries_ == 0 || token.size() < 4 || is_english(token)) return out;
  std::string word = folded(token);
  for (const auto& language : languages_) {
    bool compounds = language.code == "de" || language.code == "da" || language.code == "fi";
    std::vector<const Entry*> found;
    if (!split(language, word, compounds && word.size() >= 8 ? 3 : 1, analyser, found)) continue;
    for (const auto* entry : found) {
      std::string_view translations(pool_.data() + entry->offset, entry->length);
      for (auto& term : analyser.terms(translations, "en", false)) {
        if (std::find(out.begin(), out.end(), term) == out.end()) out.push_back(std::move(term));
      }
    }
  }
  return out;
}

}  // namespace gosmart::matching
