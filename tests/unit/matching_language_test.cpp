// Words across languages (issue 12, item 5): a national-language technical term
// counts as its English equivalent, from Debian's FreeDict dictionaries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "services/matching/domain/term_dictionary.hpp"
#include "services/matching/domain/text_analysis.hpp"

using namespace gosmart::matching;

namespace {

bool has(const std::vector<std::string>& terms, const std::string& term) {
  return std::find(terms.begin(), terms.end(), term) != terms.end();
}

// The real dictionaries, loaded once for the cases that read them (tools/lib/deps.sh
// installs the packages).
const TermDictionary& installed(Analyser& analyser) {
  (void)analyser;
  static const TermDictionary dictionary = TermDictionary::load("/usr/share/dictd");
  return dictionary;
}

}  // namespace

TEST_CASE("a dictd entry gives the translations of its first sense line", "[matching]") {
  CHECK(english_translations("Wartung /vˈaɾtʊŋ/ <fem, n, sg>\nmaintenance <n>, servicing <n>\n"
                             "   Note: of technical facilities\n") ==
        std::vector<std::string>{"maintenance", "servicing"});
  CHECK(english_translations("huolto /hˈuolto/ <n>\ncare, maintenance, service, upkeep\n", 3) ==
        std::vector<std::string>{"care", "maintenance", "service"});
  // A domain label is not a word of the translation.
  CHECK(english_translations("Blatt /blˈat/ <neut>\n [techn.] blade <n>\n   Note: of a rotor\n") ==
        std::vector<std::string>{"blade"});
  CHECK(english_translations("x\n\n  wind energy (renewable); a very long phrase of words\n") ==
        std::vector<std::string>{"wind energy"});
  CHECK(english_translations("only a headword\n").empty());
}

TEST_CASE(
    "a national word is followed by its English terms; English words are not read as "
    "foreign",
    "[matching]") {
  Analyser analyser;
  TermDictionary dictionary;
  dictionary.add("de", "Rotorblatt", "rotor blade");
  dictionary.add("de", "Gift", "poison");
  dictionary.add("fi", "lämpöpumppu", "heat pump");
  dictionary.add("de", "Wind", "wind");
  dictionary.add("de", "Kraft", "power, force");
  dictionary.add("de", "Anlage", "plant, installation");
  dictionary.add_english("gift");
  dictionary.finish();
  analyser.set_dictionary(&dictionary);
  CHECK(analyser.version() == std::string(kAnalyserVersion) + "+freedict");

  auto terms = analyser.terms("Inspection of a Rotorblatt by drones");
  CHECK(has(terms, analyser.term("rotor")));
  CHECK(has(terms, analyser.term("blade")));
  // Inflected: the Finnish partitive finds its headword through the Finnish stemmer
  // (consonant gradation, lämpöpumppu -> lämpöpumput, is beyond a stemmer: not found).
  auto finnish = analyser.terms("Myymme lämpöpumppua taloihin");
  CHECK(has(finnish, analyser.term("heat")));
  CHECK(has(finnish, analyser.term("pump")));
  // A compound with no entry of its own, from its two known halves.
  auto compound = analyser.terms("Service for every Windkraftanlage");
  CHECK(has(compound, analyser.term("power")));
  CHECK(has(compound, analyser.term("plant")));
  // "gift" is English: no poison in a gift shop.
  CHECK_FALSE(has(analyser.terms("A gift shop with local crafts"), analyser.term("poison")));
  // Without a dictionary nothing is added.
  Analyser plain;
  CHECK_FALSE(has(plain.terms("Inspection of a Rotorblatt"), plain.term("blade")));
}

TEST_CASE("Debian's FreeDict dictionaries load and know the network's technical words",
          "[matching]") {
  Analyser analyser;
  auto started = std::chrono::steady_clock::now();
  const auto& dictionary = installed(analyser);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO("loaded " << dictionary.entries() << " entries in " << seconds << " s");
  REQUIRE(dictionary.entries() > 10000);
  CHECK(dictionary.missing().empty());
  auto english = [&](const std::string& word) { return dictionary.english_of(word, analyser); };
  CHECK(has(english("rotorblatt"), analyser.term("blade")));
  CHECK(has(english("wartung"), analyser.term("maintenance")));
  CHECK(has(english("hitsaus"), analyser.term("welding")));
  CHECK(has(english("tuulivoimaa"), analyser.term("wind")));       // partitive of tuulivoima
  CHECK(has(english("wärmepumpen"), analyser.term("pump")));       // plural
  CHECK(has(english("windkraftanlage"), analyser.term("plant")));  // compound, no entry
  CHECK(has(english("recykling"), analyser.term("recycling")));
  CHECK(has(english("møbler"), analyser.term("furniture")));
  CHECK(has(english("baldai"), analyser.term("furniture")));
  CHECK(has(english("huolto"), analyser.term("maintenance")));
  CHECK(has(english("konserwacja"), analyser.term("maintenance")));
  CHECK(english("maintenance").empty());  // English already
  // FreeDict has no Latvian or Estonian to English: such words stay as they are.
  CHECK(english("apkope").empty());
}

TEST_CASE("a shared term is shown as a word its title wrote", "[matching]") {
  // Outside findings: a mail listed "fabric" (the stem of "fabrication") as what two
  // metalworking profiles share.
  Analyser analyser;
  std::string fabric = analyser.term("fabrication");
  REQUIRE(fabric == "fabric");
  CHECK(analyser.word_for(fabric, "Steel Fabrication for offshore wind") == "fabrication");
  CHECK(analyser.word_for(analyser.term("welding"), "Robotic Welding cells") == "welding");
  // A stem from a Polish title's six-letter prefix is found in that title.
  auto polish = analyser.terms("Spawanie robotyczne konstrukcji stalowych", "pl", false);
  REQUIRE_FALSE(polish.empty());
  CHECK(analyser.word_for(polish.front(), "Spawanie robotyczne konstrukcji stalowych") ==
        "spawanie");
  // Not in the title: nothing, and the term stands.
  CHECK(analyser.word_for(fabric, "Machine vision for weld inspection").empty());
  CHECK(analyser.word_for(fabric, "").empty());
}
