#include "services/matching/domain/text_analysis.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "services/matching/domain/term_dictionary.hpp"

namespace gosmart::matching {

namespace {

// Decodes one UTF-8 sequence at text[i]; a malformed byte is taken as U+FFFD.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char first = byte(i);
  if (first < 0x80) return text[i++];
  int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= text.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = first & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char b = byte(i + static_cast<std::size_t>(k));
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Latin-1 Supplement and Latin Extended-A: the letters of the eight languages.
char32_t lower(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0x130) return 'i';
  if (cp == 0x178) return 0xFF;
  bool even_upper = (cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177);
  bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
  if (even_upper && cp % 2 == 0) return cp + 1;
  if (odd_upper && cp % 2 == 1) return cp + 1;
  return cp;
}

bool is_word_char(char32_t cp) {
  if (cp < 0x80)
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || cp == 0xFFFD) return false;  // symbols, NBSP
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, arrows, maths, shapes
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  return true;
}

// Base letters of a lower-case letter with a diacritic; nullptr when it has none.
const char* folded(char32_t cp) {
  switch (cp) {
    case 0xE0:
    case 0xE1:
    case 0xE2:
    case 0xE3:
    case 0xE4:
    case 0xE5:
    case 0x101:
    case 0x103:
    case 0x105:
      return "a";
    case 0xE6:
      return "ae";
    case 0xE7:
    case 0x107:
    case 0x109:
    case 0x10B:
    case 0x10D:
      return "c";
    case 0xF0:
    case 0x10F:
    case 0x111:
      return "d";
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0x113:
    case 0x115:
    case 0x117:
    case 0x119:
    case 0x11B:
      return "e";
    case 0x11D:
    case 0x11F:
    case 0x121:
    case 0x123:
      return "g";
    case 0x125:
    case 0x127:
      return "h";
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
    case 0x129:
    case 0x12B:
    case 0x12D:
    case 0x12F:
    case 0x131:
      return "i";
    case 0x135:
      return "j";
    case 0x137:
      return "k";
    case 0x13A:
    case 0x13C:
    case 0x13E:
    case 0x140:
    case 0x142:
      return "l";
    case 0xF1:
    case 0x144:
    case 0x146:
    case 0x148:
      return "n";
    case 0xF2:
    case 0xF3:
    case 0xF4:
    case 0xF5:
    case 0xF6:
    case 0xF8:
    case 0x14D:
    case 0x14F:
    case 0x151:
      return "o";
    case 0x153:
      return "oe";
    case 0x155:
    case 0x157:
    case 0x159:
      return "r";
    case 0x15B:
    case 0x15D:
    case 0x15F:
    case 0x161:
      return "s";
    case 0xDF:
      return "ss";
    case 0x163:
    case 0x165:
    case 0x167:
      return "t";
    case 0xF9:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0x169:
    case 0x16B:
    case 0x16D:
    case 0x16F:
    case 0x171:
    case 0x173:
      return "u";
    case 0x175:
      return "w";
    case 0xFD:
    case 0xFF:
    case 0x177:
      return "y";
    case 0x17A:
    case 0x17C:
    case 0x17E:
      return "z";
    case 0xFE:
      return "th";
    default:
      return nullptr;
  }
}

// Short stop-word lists, written for this project: the commonest function words of
// each language, enough to tell the languages apart and to keep them out of the index.
const std::map<std::string, std::set<std::string>>& stop_words() {
  static const std::map<std::string, std::set<std::string>> words = {
      {"en", {"the",  "and",  "of",    "to",   "in",   "for",   "with",  "on",   "is",
              "are",  "an",   "by",    "from", "as",   "we",    "our",   "be",   "or",
              "that", "this", "at",    "it",   "its",  "which", "can",   "will", "has",
              "have", "who",  "their", "into", "also", "such",  "other", "us",   "you",
              "your", "they", "was",   "were", "not",  "all",   "any",   "more", "than"}},
      {"pl",
       {"i",   "w",  "z",   "na",    "do",    "się",   "oraz",  "jest",   "dla",   "że",
        "nie", "od", "po",  "przez", "jak",   "który", "która", "które",  "są",    "to",
        "we",  "ze", "lub", "jako",  "także", "nasz",  "nasza", "naszej", "firma", "szukamy"}},
      {"fi",
       {"ja",   "on",   "ei",   "että",  "se",  "joka", "jotka", "myös",   "tai",     "kanssa",
        "sekä", "ovat", "olla", "mutta", "kun", "niin", "me",    "meidän", "etsimme", "yritys"}},
      {"da", {"og",  "at", "er", "en", "et",  "det",  "der", "til",   "med",   "for",  "på",
              "som", "af", "de", "vi", "har", "ikke", "fra", "vores", "søger", "eller"}},
      {"de", {"der",   "die",  "das",   "und",    "zu",     "den",   "mit",  "von", "für",
              "ist",   "im",   "auf",   "ein",    "eine",   "wir",   "sich", "des", "dem",
              "nicht", "oder", "unser", "unsere", "suchen", "einen", "einer"}},
      {"lv",
       {"un", "ir", "ar", "par", "no", "uz", "kas", "lai", "vai", "ka", "arī", "mēs", "tā", "mūsu",
        "meklējam", "kā", "tiek"}},
      {"et",
       {"ja", "on", "ei", "et", "see", "mis", "ka", "kui", "oma", "või", "meie", "koos", "ning",
        "otsime", "ettevõte", "mida"}},
      {"lt",
       {"ir", "su", "į", "iš", "kad", "kaip", "yra", "bei", "arba", "mes", "tai", "už", "nuo",
        "per", "apie", "mūsų", "ieškome", "įmonė"}},
  };
  return words;
}

const std::map<std::string, std::string>& snowball_names() {
  static const std::map<std::string, std::string> names = {{"en", "english"},
                                                           {"da", "danish"},
                                                           {"fi", "finnish"},
                                                           {"de", "german"},
                                                           {"lt", "lithuanian"}};
  return names;
}

std::string prefix_code_points(const std::string& token, std::size_t count) {
  std::size_t i = 0, n = 0;
  while (i < token.size() && n < count) {
    next_code_point(token, i);
    ++n;
  }
  return token.substr(0, i);
}

}  // namespace

std::string lower_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) append_utf8(out, lower(next_code_point(text, i)));
  return out;
}

std::string fold_diacritics(std::string_view lower_text) {
  std::string out;
  out.reserve(lower_text.size());
  for (std::size_t i = 0; i < lower_text.size();) {
    char32_t cp = next_code_point(lower_text, i);
    if (const char* base = folded(cp)) {
      out += base;
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  std::size_t letters = 0;
  auto flush = [&] {
    if (letters >= 2) tokens.push_back(current);
    current.clear();
    letters = 0;
  };
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = next_code_point(text, i);
    if (is_word_char(cp)) {
      append_utf8(current, lower(cp));
      ++letters;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

bool is_stop_word(const std::string& language, const std::string& token) {
  auto it = stop_words().find(language);
  return it != stop_words().end() && it->second.count(token);
}

std::string guess_language(const std::vector<std::string>& tokens) {
  std::string best = "en";
  std::size_t best_hits = 0;
  for (const auto& [language, words] : stop_words()) {
    std::size_t hits = 0;
    for (const auto& token : tokens) hits += words.count(token);
    if (hits > best_hits) {
      best = language;
      best_hits = hits;
    }
  }
  return best_hits >= 2 ? best : "en";
}

Analyser::Analyser() {
  for (const auto& [code, name] : snowball_names()) stemmers_.emplace(code, Xapian::Stem(name));
}

std::string Analyser::stem(const std::string& language, const std::string& token) {
  std::string key = language + ':' + token;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::string stemmed;
  if (auto stemmer = stemmers_.find(language); stemmer != stemmers_.end()) {
    stemmed = stemmer->second(token);
  } else {
    stemmed = prefix_code_points(token, 6);
  }
  stemmed = fold_diacritics(stemmed);
  if (cache_.size() > 500'000) cache_.clear();  // bounded: an adversary's vocabulary is not
  cache_.emplace(std::move(key), stemmed);
  return stemmed;
}

std::vector<std::string> Analyser::terms(std::string_view text, std::string language,
                                         bool across_languages) {
  auto tokens = tokenize(text);
  if (language.empty()) language = guess_language(tokens);
  std::vector<std::string> out;
  out.reserve(tokens.size());
  for (const auto& token : tokens) {
    // English stop words are dropped whatever the language: mixed text is common.
    if (is_stop_word(language, token) || is_stop_word("en", token)) continue;
    out.push_back(stem(language, token));
    if (dictionary_ && across_languages) {
      // The word's own term is not counted twice (German "System" is "system").
      std::string own = out.back();
      for (const auto& english : english_terms(token)) {
        if (english != own) out.push_back(english);
      }
    }
  }
  return out;
}

std::string Analyser::word_for(std::string_view term, std::string_view text) {
  // The profile was analysed in the language of its whole text, which the title
  // alone may not tell: each of the network's languages is tried.
  static const char* const kLanguages[] = {"en", "pl", "fi", "da", "de", "lv", "et", "lt"};
  for (const auto& token : tokenize(text)) {
    if (is_stop_word("en", token)) continue;
    for (const char* language : kLanguages) {
      if (stem(language, token) == term) return token;
    }
  }
  return std::string();
}

void Analyser::set_dictionary(const TermDictionary* dictionary) {
  dictionary_ = dictionary;
  english_cache_.clear();
}

std::string Analyser::version() const {
  return std::string(kAnalyserVersion) + (dictionary_ && !dictionary_->empty() ? "+freedict" : "");
}

const std::vector<std::string>& Analyser::english_terms(const std::string& token) {
  if (auto it = english_cache_.find(token); it != english_cache_.end()) return it->second;
  auto found = dictionary_->english_of(token, *this);
  if (english_cache_.size() > 200'000) english_cache_.clear();  // bounded, like cache_
  return english_cache_.emplace(token, std::move(found)).first->second;
}

std::string Analyser::term(std::string_view word, const std::string& language) {
  auto tokens = tokenize(word);
  std::string joined;
  for (const auto& token : tokens) {
    if (!joined.empty()) joined += ' ';
    joined += stem(language, token);
  }
  return joined;
}

}  // namespace gosmart::matching
