#pragma once
// Turns profile text into index terms. Profiles are written in English mostly, but
// Polish, Finnish, Danish, German, Latvian, Estonian and Lithuanian text appears, so:
//  1. lower-case letters of the Latin scripts of the seven languages (UTF-8),
//  2. split on anything that is not a letter or digit, drop one-letter tokens,
//  3. guess the text's language from its stop words (English when unsure) and drop
//     the stop words of that language,
//  4. stem with the Snowball stemmer Xapian ships for it (English, Danish, Finnish,
//     German, Lithuanian); Polish, Latvian and Estonian have none there, so their
//     words are cut to a six-letter prefix, the usual light stemmer for highly
//     inflected languages,
//  5. fold diacritics of the stem (ä -> a, ł -> l), so text typed without them matches,
//  6. with a TermDictionary attached, follow a national-language word with the
//     English terms it stands for (term_dictionary.hpp): whatever the text's
//     language, since national terms turn up inside English text.
#include <xapian.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gosmart::matching {

// Changes whenever the steps above change. Each indexed profile stores the version
// that made its terms; nothing re-analyses stored terms yet: at start the index is
// rebuilt from them as they are, and a profile takes the new analyser's terms when
// it is published again (services/matching/README.md, Known limits).
// With a dictionary attached, the version says so: "gosmart-analyser-1+freedict".
inline constexpr const char* kAnalyserVersion = "gosmart-analyser-1";

class TermDictionary;

// Lower-cases the Latin letters of the network's languages; other bytes pass.
std::string lower_utf8(std::string_view text);
// Replaces letters with diacritics by their base letters (ß -> ss, æ -> ae, ø -> o).
std::string fold_diacritics(std::string_view lower_text);
// Lower-cased tokens of letters and digits.
std::vector<std::string> tokenize(std::string_view text);

// ISO 639-1 code of the most likely language of `tokens` among the network's eight.
std::string guess_language(const std::vector<std::string>& tokens);
bool is_stop_word(const std::string& language, const std::string& token);

class Analyser {
 public:
  Analyser();

  // Index terms of one text, in order, repeats kept (term frequencies count them).
  // `language` empty: guessed from the text.
  // `across_languages` false: no dictionary lookups (the English side of an entry).
  std::vector<std::string> terms(std::string_view text, std::string language = "",
                                 bool across_languages = true);
  // The term of a single keyword or query word, analysed as English unless told.
  std::string term(std::string_view word, const std::string& language = "en");

  // A word of `text` (lower-cased, as written) whose term is `term`, for a reader:
  // a stem such as "fabric" (from "fabrication") misleads. Empty when none is.
  std::string word_for(std::string_view term, std::string_view text);

  // Not owned; null: no words across languages.
  void set_dictionary(const TermDictionary* dictionary);
  const TermDictionary* dictionary() const { return dictionary_; }
  std::string version() const;

 private:
  std::string stem(const std::string& language, const std::string& token);
  const std::vector<std::string>& english_terms(const std::string& token);

  std::map<std::string, Xapian::Stem> stemmers_;
  // Stemming costs about a microsecond; a profile corpus has a small vocabulary.
  std::unordered_map<std::string, std::string> cache_;
  const TermDictionary* dictionary_ = nullptr;
  std::unordered_map<std::string, std::vector<std::string>> english_cache_;
};

}  // namespace gosmart::matching
