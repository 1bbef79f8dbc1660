#pragma once
// Technical words of the partners' national languages counted as their English
// equivalents (issue 12, item 5: an ideal partner writing "Rotorblatt" or
// "vesiviljely" ranked 12th-17th behind English near-copies).
//
// Source: the bilingual FreeDict dictionaries Debian ships in dictd format
// (packages dict-freedict-deu-eng, -fin-eng, -dan-eng, -pol-eng, -lit-eng; FreeDict,
// https://freedict.org, GPL/CC licences per dictionary), read from
// /usr/share/dictd at start. Latvian and Estonian have no packaged dictionary to
// English: their words are not translated. The English headwords of
// dict-freedict-eng-deu are the English vocabulary: a token English has ("gift",
// "art", "bad") is never read as a German word.
//
// A token is looked up as it is, then by its stem in each language (an inflected
// form finds its headword: "lämpöpumput" -> "lämpöpumppu"), and German, Danish and
// Finnish compounds with no entry of their own are split into known parts
// ("Windkraftanlage" -> "Windkraft" + "Anlage"). Only the translations of each
// entry's sense lines are kept (about 10 MB for the five languages, loaded in about
// a second); they are analysed as English when a token first needs them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace gosmart::matching {

class Analyser;

// English index terms.
using EnglishTerms = std::vector<std::string>;

class TermDictionary {
 public:
  // ISO 639-1 codes and the FreeDict file stem of each national language that has one.
  struct Source {
    std::string language;  // "de"
    std::string file;      // "freedict-deu-eng"
  };
  static const std::vector<Source>& sources();

  // Reads every dictionary of sources() found in `dir` (missing ones are skipped and
  // named in missing()), or, when `path` is a file, what save() wrote (a second:
  // reading the dictd files takes seconds, the German one is 100 MB). Throws on a
  // file that exists and cannot be read.
  static TermDictionary load(const std::filesystem::path& path);
  // Writes what was kept, one entry a line ("de\trotorblatt\trotor blade"; English
  // vocabulary as "en\tword"), for load(); the build writes it next to the binaries.
  void save(const std::filesystem::path& file) const;
  // Where the service looks when not told: the build's or the package's compiled
  // file, then Debian's dictd directory.
  static std::filesystem::path default_location();

  // For tests: an entry given directly (call finish() after the last).
  void add(const std::string& language, const std::string& headword,
           const std::string& translations);
  void add_english(const std::string& word);
  void finish();  // sorts what add() and add_english() gave

  // The English terms a lower-cased token stands for; empty when it is English, or
  // no dictionary knows it. `analyser` stems per language and analyses the English.
  EnglishTerms english_of(const std::string& token, Analyser& analyser) const;

  bool empty() const { return entries_ == 0; }
  std::size_t entries() const { return entries_; }
  const std::vector<std::string>& missing() const { return missing_; }
  // In the English vocabulary, as it is or as a regular inflection of a word in it.
  bool is_english(const std::string& token) const;

 private:
  struct Entry {
    std::string headword;  // lower-cased, diacritics folded
    uint32_t offset = 0;   // its translations in pool_, comma-separated
    uint32_t length = 0;
  };
  struct Language {
    std::string code;
    std::vector<Entry> entries;  // sorted by headword
    // Stem -> entry, sorted, for the smaller dictionaries: their stemmers change
    // letters (Finnish gradation: "lämpöpumppu" -> "lampopumpu"), so a stem is not
    // always a prefix of its headword. German (380,000 entries) is searched by
    // prefix instead: stemming all of it would cost seconds at every start.
    std::vector<std::pair<std::string, uint32_t>> stems;
  };
  static constexpr std::size_t kStemIndexUpTo = 100'000;
  Language& language(const std::string& code);
  // The entry of `word` in `language`: the word itself, or a headword of the same stem.
  const Entry* find(const Language& language, const std::string& word, Analyser& analyser) const;
  // `word` as known parts, each found by find(); at most `parts` of them.
  bool split(const Language& language, const std::string& word, int parts, Analyser& analyser,
             std::vector<const Entry*>& found) const;

  std::vector<Language> languages_;
  std::string pool_;
  std::vector<std::string> english_;  // sorted
  std::vector<std::string> missing_;
  std::size_t entries_ = 0;
};

// The English side of one dictd entry ("Wartung /.../ <fem>\nmaintenance <n>,
// servicing <n>\n   Note: ...\n"): the translations of its sense lines (notes,
// examples and cross-references are indented or marked, and left out), without
// grammar tags and remarks, at most `max` of them, each of at most three words.
std::vector<std::string> english_translations(std::string_view entry, std::size_t max = 4);

}  // namespace gosmart::matching
