#pragma once
// Facet keywords as a profile written in a partner's national language names them,
// in the order of the generator's countries (PL, FI, DK, DE, LV, EE, LT). Written for
// this generator from general vocabulary; the matcher must not take them from here.
#include <array>

namespace gosmart::corpus {

struct NationalTerm {
  const char* english;                // a facet keyword
  std::array<const char*, 7> native;  // PL, FI, DK, DE, LV, EE, LT
};

inline constexpr NationalTerm kNationalTerms[] = {
    {"aquaculture",
     {"akwakultura", "vesiviljely", "akvakultur", "Aquakultur", "akvakultūra", "vesiviljelus",
      "akvakultūra"}},
    {"wind energy",
     {"energia wiatrowa", "tuulivoima", "vindenergi", "Windenergie", "vēja enerģija",
      "tuuleenergia", "vėjo energija"}},
    {"maintenance",
     {"konserwacja", "huolto", "vedligeholdelse", "Wartung", "apkope", "hooldus", "priežiūra"}},
    {"recycling",
     {"recykling", "kierrätys", "genanvendelse", "Wiederverwertung", "pārstrāde", "ringlussevõtt",
      "perdirbimas"}},
    {"heat pumps",
     {"pompy ciepła", "lämpöpumput", "varmepumper", "Wärmepumpen", "siltumsūkņi", "soojuspumbad",
      "šilumos siurbliai"}},
    {"drones", {"drony", "lennokit", "droner", "Drohnen", "droni", "droonid", "dronai"}},
    {"forestry",
     {"leśnictwo", "metsätalous", "skovbrug", "Forstwirtschaft", "mežsaimniecība", "metsandus",
      "miškininkystė"}},
    {"welding",
     {"spawanie", "hitsaus", "svejsning", "Schweißen", "metināšana", "keevitamine", "suvirinimas"}},
    {"furniture", {"meble", "huonekalut", "møbler", "Möbel", "mēbeles", "mööbel", "baldai"}},
    {"dairy",
     {"mleczarstwo", "meijeri", "mejeri", "Molkerei", "piena pārstrāde", "piimatööstus",
      "pieninė"}},
};

}  // namespace gosmart::corpus
