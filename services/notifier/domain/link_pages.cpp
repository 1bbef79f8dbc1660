#include "services/notifier/domain/link_pages.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <map>

namespace gosmart::notifier {

namespace {

constexpr std::array<std::string_view, 8> kLanguages{"en", "pl", "fi", "da",
                                                     "de", "lv", "et", "lt"};
constexpr std::size_t kTexts = static_cast<std::size_t>(PageText::renewed_body) + 1;
using Texts = std::array<std::string_view, kTexts>;

// In PageText's order. Formal address where the language's business letters use it
// (pl Państwo, de Sie, lv/lt Jūs, et teie), as the mail templates do.
const std::map<std::string_view, Texts>& texts() {
  static const std::map<std::string_view, Texts> all{
      {"en",
       {"This link is not valid",
        "It may have expired.",
        "There is nothing to stop",
        "This address gets no GoSmart alerts.",
        "You are unsubscribed already",
        "You get no alerts. Nothing was changed.",
        "Stop GoSmart alerts?",
        "You will no longer get alerts about new partners or expiring profiles. Messages "
        "about your own expressions of interest still reach you.",
        "Unsubscribe",
        "You are unsubscribed",
        "You will get no more alerts.",
        "Please try again later",
        "Keep your GoSmart profile?",
        "Your profile stays visible to partners abroad for another {} from today.",
        "Renew",
        "This profile cannot be renewed here",
        "Please contact your broker.",
        "Your profile is already renewed",
        "This link is out of date",
        "Your profile is shown until {}. Nothing was changed.",
        "Your broker changed it just now. Nothing was changed.",
        "Your profile is renewed",
        "It is shown until {}."}},
      {"pl",
       {"Ten link jest nieważny",
        "Mógł już wygasnąć.",
        "Nie ma z czego rezygnować",
        "Ten adres nie otrzymuje powiadomień GoSmart.",
        "Rezygnacja została już zapisana",
        "Nie otrzymują Państwo powiadomień. Nic nie zostało zmienione.",
        "Zrezygnować z powiadomień GoSmart?",
        "Nie będą Państwo już otrzymywać powiadomień o nowych partnerach ani o wygasających "
        "profilach. Wiadomości o Państwa własnych wyrazach zainteresowania nadal będą "
        "docierać.",
        "Zrezygnuj",
        "Rezygnacja zapisana",
        "Nie będą Państwo już otrzymywać powiadomień.",
        "Prosimy spróbować ponownie później",
        "Zachować profil GoSmart?",
        "Państwa profil pozostanie widoczny dla partnerów za granicą przez kolejne {} od "
        "dziś.",
        "Przedłuż",
        "Tego profilu nie można tu przedłużyć",
        "Prosimy o kontakt z doradcą.",
        "Profil jest już przedłużony",
        "Ten link jest nieaktualny",
        "Profil jest widoczny do {}. Nic nie zostało zmienione.",
        "Doradca właśnie go zmienił. Nic nie zostało zmienione.",
        "Profil został przedłużony",
        "Będzie widoczny do {}."}},
      {"fi",
       {"Linkki ei ole voimassa",
        "Se on ehkä vanhentunut.",
        "Ei mitään peruttavaa",
        "Tähän osoitteeseen ei lähetetä GoSmart-ilmoituksia.",
        "Olet jo perunut ilmoitukset",
        "Et saa ilmoituksia. Mitään ei muutettu.",
        "Perutaanko GoSmart-ilmoitukset?",
        "Et saa enää ilmoituksia uusista kumppaneista etkä vanhenevista profiileista. Omia "
        "kiinnostuksenilmauksiasi koskevat viestit tulevat edelleen.",
        "Peru ilmoitukset",
        "Ilmoitukset on peruttu",
        "Et saa enää ilmoituksia.",
        "Yritä myöhemmin uudelleen",
        "Pidetäänkö GoSmart-profiilisi voimassa?",
        "Profiilisi näkyy ulkomaisille kumppaneille vielä {} tästä päivästä.",
        "Jatka",
        "Tätä profiilia ei voi jatkaa täällä",
        "Ota yhteyttä yhteyshenkilöösi.",
        "Profiilisi on jo jatkettu",
        "Linkki on vanhentunut",
        "Profiilisi näkyy {} asti. Mitään ei muutettu.",
        "Yhteyshenkilösi muutti sitä juuri. Mitään ei muutettu.",
        "Profiilisi on jatkettu",
        "Se näkyy {} asti."}},
      {"da",
       {"Linket er ikke gyldigt",
        "Det er måske udløbet.",
        "Der er intet at afmelde",
        "Denne adresse modtager ingen GoSmart-meddelelser.",
        "Du er allerede afmeldt",
        "Du modtager ingen meddelelser. Intet blev ændret.",
        "Afmeld GoSmart-meddelelser?",
        "Du får ikke længere meddelelser om nye partnere eller profiler, der udløber. "
        "Beskeder om dine egne interessetilkendegivelser når dig stadig.",
        "Afmeld",
        "Du er afmeldt",
        "Du får ikke flere meddelelser.",
        "Prøv igen senere",
        "Behold din GoSmart-profil?",
        "Din profil forbliver synlig for partnere i udlandet i yderligere {} fra i dag.",
        "Forlæng",
        "Denne profil kan ikke forlænges her",
        "Kontakt venligst din rådgiver.",
        "Din profil er allerede forlænget",
        "Linket er forældet",
        "Din profil vises indtil {}. Intet blev ændret.",
        "Din rådgiver har netop ændret den. Intet blev ændret.",
        "Din profil er forlænget",
        "Den vises indtil {}."}},
      {"de",
       {"Dieser Link ist nicht gültig",
        "Er ist möglicherweise abgelaufen.",
        "Es gibt nichts abzubestellen",
        "Diese Adresse erhält keine GoSmart-Hinweise.",
        "Sie haben bereits abbestellt",
        "Sie erhalten keine Hinweise. Es wurde nichts geändert.",
        "GoSmart-Hinweise abbestellen?",
        "Sie erhalten keine Hinweise mehr zu neuen Partnern oder ablaufenden Profilen. "
        "Nachrichten zu Ihren eigenen Interessensbekundungen erreichen Sie weiterhin.",
        "Abbestellen",
        "Sie haben abbestellt",
        "Sie erhalten keine Hinweise mehr.",
        "Bitte versuchen Sie es später erneut",
        "GoSmart-Profil behalten?",
        "Ihr Profil bleibt ab heute weitere {} für Partner im Ausland sichtbar.",
        "Verlängern",
        "Dieses Profil kann hier nicht verlängert werden",
        "Bitte wenden Sie sich an Ihre Beraterin oder Ihren Berater.",
        "Ihr Profil ist bereits verlängert",
        "Dieser Link ist veraltet",
        "Ihr Profil wird bis {} angezeigt. Es wurde nichts geändert.",
        "Ihre Beratung hat es soeben geändert. Es wurde nichts geändert.",
        "Ihr Profil ist verlängert",
        "Es wird bis {} angezeigt."}},
      {"lv",
       {"Šī saite nav derīga",
        "Iespējams, tās derīguma termiņš ir beidzies.",
        "Nav no kā atteikties",
        "Uz šo adresi netiek sūtīti GoSmart paziņojumi.",
        "Jūs jau esat atteicies",
        "Jūs nesaņemat paziņojumus. Nekas netika mainīts.",
        "Atteikties no GoSmart paziņojumiem?",
        "Jūs vairs nesaņemsiet paziņojumus par jauniem partneriem vai profiliem, kuriem "
        "beidzas termiņš. Ziņas par jūsu pašu izteikto interesi jūs saņemsiet arī turpmāk.",
        "Atteikties",
        "Jūs esat atteicies",
        "Jūs vairs nesaņemsiet paziņojumus.",
        "Lūdzu, mēģiniet vēlāk vēlreiz",
        "Saglabāt jūsu GoSmart profilu?",
        "Jūsu profils būs redzams partneriem ārvalstīs vēl {}, skaitot no šodienas.",
        "Pagarināt",
        "Šo profilu šeit nevar pagarināt",
        "Lūdzu, sazinieties ar savu konsultantu.",
        "Jūsu profils jau ir pagarināts",
        "Šī saite ir novecojusi",
        "Jūsu profils ir redzams līdz {}. Nekas netika mainīts.",
        "Jūsu konsultants to tikko mainīja. Nekas netika mainīts.",
        "Jūsu profils ir pagarināts",
        "Tas būs redzams līdz {}."}},
      {"et",
       {"See link ei kehti",
        "See võib olla aegunud.",
        "Pole midagi, millest loobuda",
        "Sellele aadressile GoSmarti teateid ei saadeta.",
        "Olete teadetest juba loobunud",
        "Te ei saa teateid. Midagi ei muudetud.",
        "Kas loobuda GoSmarti teadetest?",
        "Te ei saa enam teateid uute partnerite ega aeguvate profiilide kohta. Sõnumid teie "
        "enda huvi avalduste kohta jõuavad teieni endiselt.",
        "Loobu",
        "Olete teadetest loobunud",
        "Te ei saa enam teateid.",
        "Palun proovige hiljem uuesti",
        "Kas säilitada teie GoSmarti profiil?",
        "Teie profiil jääb välismaa partneritele nähtavaks veel {} alates tänasest.",
        "Pikenda",
        "Seda profiili ei saa siin pikendada",
        "Palun võtke ühendust oma nõustajaga.",
        "Teie profiil on juba pikendatud",
        "See link on aegunud",
        "Teie profiil on nähtav kuni {}. Midagi ei muudetud.",
        "Teie nõustaja muutis seda just praegu. Midagi ei muudetud.",
        "Teie profiil on pikendatud",
        "See on nähtav kuni {}."}},
      {"lt",
       {"Ši nuoroda negalioja",
        "Galbūt jos galiojimo laikas baigėsi.",
        "Nėra ko atsisakyti",
        "Šiuo adresu GoSmart pranešimai nesiunčiami.",
        "Jūs jau atsisakėte pranešimų",
        "Jūs negaunate pranešimų. Niekas nepakeista.",
        "Atsisakyti GoSmart pranešimų?",
        "Nebegausite pranešimų apie naujus partnerius ar baigiančius galioti profilius. "
        "Žinutes apie jūsų pačių pareikštą susidomėjimą gausite ir toliau.",
        "Atsisakyti",
        "Jūs atsisakėte pranešimų",
        "Daugiau pranešimų nebegausite.",
        "Bandykite dar kartą vėliau",
        "Išsaugoti jūsų GoSmart profilį?",
        "Jūsų profilis bus matomas užsienio partneriams dar {} nuo šiandien.",
        "Pratęsti",
        "Šio profilio čia pratęsti negalima",
        "Susisiekite su savo konsultantu.",
        "Jūsų profilis jau pratęstas",
        "Ši nuoroda pasenusi",
        "Jūsų profilis rodomas iki {}. Niekas nepakeista.",
        "Jūsų konsultantas ką tik jį pakeitė. Niekas nepakeista.",
        "Jūsų profilis pratęstas",
        "Jis bus rodomas iki {}."}},
  };
  return all;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string page_language(std::string_view accept_language) {
  std::string best = "en";
  double best_q = 0;
  // Bounded: a header is at most a few dozen ranges; more are not read.
  int ranges = 0;
  while (!accept_language.empty() && ranges++ < 32) {
    auto comma = accept_language.find(',');
    auto range = trim(accept_language.substr(0, comma));
    accept_language =
        comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
    double q = 1;
    if (auto semi = range.find(';'); semi != std::string_view::npos) {
      auto param = trim(range.substr(semi + 1));
      range = trim(range.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        std::string value(param.substr(2, 5));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || q < 0 || q > 1) q = 0;
      }
    }
    std::string primary(range.substr(0, range.find('-')));
    for (auto& c : primary) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto language : kLanguages) {
      if (primary == language && q > best_q) {
        best = primary;
        best_q = q;
      }
    }
  }
  return best;
}

std::string page_text(PageText text, std::string_view language, std::string_view fill) {
  auto it = texts().find(language);
  if (it == texts().end()) it = texts().find("en");
  std::string out(it->second[static_cast<std::size_t>(text)]);
  if (auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, fill);
  return out;
}

}  // namespace gosmart::notifier
