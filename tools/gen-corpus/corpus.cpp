#include "tools/gen-corpus/corpus.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <set>

#include "tools/gen-corpus/national_terms.hpp"

namespace gosmart::corpus {

namespace {

using Kind = wire::ProfileKind;
using Coop = wire::CooperationType;

// A facet: what it is called three ways, its NACE Rev.2 class and its domain. The
// classes are real (Regulation (EC) No 1893/2006); the domains are this project's
// slugs for smart-specialisation areas.
struct Facet {
  std::array<const char*, 3> names;
  const char* nace;
  const char* domain;
  std::array<const char*, 2> keywords;
};

const Facet kApplications[] = {
    {{"weld seam inspection", "checking welded joints", "quality control of welds"},
     "25.11",
     "advanced-manufacturing",
     {"welding", "quality control"}},
    {{"cold chain monitoring", "temperature tracking of chilled food transport",
      "refrigerated logistics surveillance"},
     "52.10",
     "food",
     {"cold chain", "logistics"}},
    {{"wind turbine blade maintenance", "servicing of wind farm rotors",
      "upkeep of wind power plants"},
     "33.14",
     "energy",
     {"wind energy", "maintenance"}},
    {{"precision farming of cereals", "site-specific crop management",
      "variable-rate field cultivation"},
     "01.11",
     "bioeconomy",
     {"agriculture", "crops"}},
    {{"hospital supply logistics", "in-clinic material flow", "medical ward supplies handling"},
     "86.10",
     "health",
     {"hospitals", "supplies"}},
    {{"ship hull cleaning", "removal of marine fouling from vessels", "underwater hull grooming"},
     "33.15",
     "blue-growth",
     {"shipping", "fouling"}},
    {{"energy renovation of apartment blocks", "retrofitting buildings for energy efficiency",
      "deep refurbishment of housing"},
     "43.29",
     "smart-buildings",
     {"renovation", "buildings"}},
    {{"forest stock inventory", "measuring standing timber volumes", "woodland resource survey"},
     "02.10",
     "bioeconomy",
     {"forestry", "timber"}},
    {{"recirculating fish farming", "land-based aquaculture tanks", "closed-loop fish breeding"},
     "03.22",
     "blue-growth",
     {"aquaculture", "fish"}},
    {{"lithium battery recycling", "recovery of materials from spent batteries",
      "end-of-life cell reprocessing"},
     "38.32",
     "circular-economy",
     {"recycling", "batteries"}},
    {{"post-consumer textile sorting", "separating used clothing by fibre",
      "garment waste classification"},
     "38.32",
     "circular-economy",
     {"textiles", "sorting"}},
    {{"container crane automation", "automated quay cranes in ports",
      "self-driving harbour gantries"},
     "52.22",
     "blue-growth",
     {"ports", "cranes"}},
    {{"home care for elderly people", "assisted living for seniors",
      "support of older adults at home"},
     "88.10",
     "health",
     {"elderly care", "ageing"}},
    {{"district heating networks", "municipal heat distribution grids",
      "urban heat supply pipelines"},
     "35.30",
     "energy",
     {"district heating", "heat"}},
    {{"dairy processing lines", "milk product manufacturing", "cheese and yoghurt production"},
     "10.51",
     "food",
     {"dairy", "milk"}},
    {{"industrial bakery automation", "automated bread production",
      "dough handling in large bakeries"},
     "10.71",
     "food",
     {"bakery", "bread"}},
    {{"road surface condition monitoring", "detecting pavement cracks and potholes",
      "asphalt wear assessment"},
     "42.11",
     "smart-cities",
     {"roads", "pavement"}},
    {{"leak detection in water mains", "finding losses in drinking water pipes",
      "pipe burst localisation"},
     "36.00",
     "water",
     {"water supply", "leaks"}},
    {{"solid wood furniture production", "manufacturing timber furniture",
      "joinery for home furnishings"},
     "31.09",
     "wood",
     {"furniture", "joinery"}},
    {{"offshore wind foundations", "monopile installation at sea",
      "marine substructures for wind parks"},
     "42.99",
     "energy",
     {"offshore", "foundations"}},
    {{"automated medicine dispensing", "pharmacy order picking", "drug packaging for patients"},
     "47.73",
     "health",
     {"pharmacy", "medicines"}},
    {{"vocational e-learning", "online courses for technical trades",
      "digital training of apprentices"},
     "85.32",
     "education",
     {"training", "skills"}},
    {{"self-service checkout in shops", "cashierless store payments",
      "automated supermarket tills"},
     "47.11",
     "digital",
     {"retail", "payments"}},
    {{"peat-free growing substrates", "horticultural soil without peat",
      "sustainable potting media"},
     "20.15",
     "bioeconomy",
     {"horticulture", "substrates"}},
    {{"repair of worn metal parts", "refurbishing machine components by deposition",
      "restoring damaged steel tooling"},
     "25.62",
     "advanced-manufacturing",
     {"repair", "tooling"}},
    {{"booking of rural tourism stays", "reservations for countryside holidays",
      "agritourism accommodation sales"},
     "79.11",
     "tourism",
     {"tourism", "booking"}},
    {{"electric city bus fleets", "battery buses for public transport",
      "zero-emission urban bus operation"},
     "49.31",
     "mobility",
     {"public transport", "buses"}},
    {{"cyber protection of small firms", "IT security audits for SMEs",
      "defending company networks against intrusions"},
     "62.02",
     "digital",
     {"cybersecurity", "audits"}},
    {{"seaweed-based food ingredients", "products from cultivated macroalgae",
      "marine algae processing"},
     "10.89",
     "blue-growth",
     {"seaweed", "algae"}},
    {{"replacing plastic packaging", "alternatives to single-use plastic wrapping",
      "sustainable packaging materials"},
     "22.22",
     "circular-economy",
     {"packaging", "plastics"}},
};

const Facet kTechnologies[] = {
    {{"machine vision", "camera-based image analysis", "industrial imaging with smart cameras"},
     "26.70",
     "digital",
     {"machine vision", "cameras"}},
    {{"digital twin", "virtual replica simulation", "live simulation model of the asset"},
     "62.01",
     "digital",
     {"digital twin", "simulation"}},
    {{"edge artificial intelligence", "on-device machine learning",
      "embedded neural network inference"},
     "62.01",
     "digital",
     {"AI", "machine learning"}},
    {{"unmanned aerial vehicles", "drone flights", "remotely piloted aircraft"},
     "30.30",
     "aerospace",
     {"drones", "UAV"}},
    {{"lidar scanning", "laser range mapping", "3D laser point clouds"},
     "26.51",
     "photonics",
     {"lidar", "3D scanning"}},
    {{"wireless sensor networks", "connected IoT sensors", "low-power radio sensing nodes"},
     "26.51",
     "digital",
     {"IoT", "sensors"}},
    {{"blockchain traceability", "distributed ledger tracking", "tamper-proof supply records"},
     "62.01",
     "digital",
     {"blockchain", "traceability"}},
    {{"collaborative robots", "cobot arms", "robotic manipulators working beside people"},
     "28.99",
     "advanced-manufacturing",
     {"robotics", "cobots"}},
    {{"hyperspectral imaging", "spectral camera analysis", "multi-band optical sensing"},
     "26.70",
     "photonics",
     {"hyperspectral", "spectroscopy"}},
    {{"biodegradable polymers", "compostable bioplastics", "plant-based plastic resins"},
     "20.16",
     "bioeconomy",
     {"bioplastics", "polymers"}},
    {{"large heat pumps", "heat pump units", "compression heat recovery"},
     "28.25",
     "energy",
     {"heat pumps", "heat recovery"}},
    {{"hydrogen fuel cells", "fuel cell power modules", "electrochemical hydrogen conversion"},
     "27.90",
     "energy",
     {"hydrogen", "fuel cells"}},
    {{"acoustic emission sensing", "ultrasonic listening devices", "sound-based fault detection"},
     "26.51",
     "advanced-manufacturing",
     {"acoustics", "fault detection"}},
    {{"predictive maintenance analytics", "failure forecasting software",
      "condition-based servicing algorithms"},
     "62.01",
     "digital",
     {"predictive maintenance", "analytics"}},
    {{"laser cladding", "laser metal deposition", "directed energy deposition"},
     "28.41",
     "advanced-manufacturing",
     {"laser", "coatings"}},
    {{"RFID tagging", "radio frequency identification labels", "contactless item tags"},
     "26.30",
     "digital",
     {"RFID", "tracking"}},
    {{"satellite earth observation", "remote sensing from orbit", "space-based imagery"},
     "63.11",
     "aerospace",
     {"satellites", "earth observation"}},
    {{"enzyme technology", "biocatalytic processing", "enzymatic hydrolysis"},
     "72.11",
     "bioeconomy",
     {"enzymes", "biotechnology"}},
    {{"membrane filtration", "reverse osmosis modules", "ultrafiltration units"},
     "28.29",
     "water",
     {"filtration", "membranes"}},
    {{"natural language processing", "text understanding software", "automated language analysis"},
     "62.01",
     "digital",
     {"NLP", "language technology"}},
    {{"mobile application", "smartphone app", "app for phones and tablets"},
     "62.01",
     "digital",
     {"mobile app", "software"}},
    {{"augmented reality", "AR glasses guidance", "mixed reality overlays"},
     "62.01",
     "digital",
     {"augmented reality", "visualisation"}},
    {{"aerogel insulation", "high-performance thermal insulation panels",
      "insulating nanomaterials"},
     "23.99",
     "smart-buildings",
     {"insulation", "materials"}},
    {{"battery energy storage", "stationary battery packs", "grid storage batteries"},
     "27.20",
     "energy",
     {"energy storage", "batteries"}},
    {{"computational fluid dynamics", "CFD flow simulation", "numerical airflow modelling"},
     "71.12",
     "digital",
     {"CFD", "engineering"}},
    {{"polymer 3D printing", "additive manufacturing of plastics", "printed plastic prototypes"},
     "22.29",
     "advanced-manufacturing",
     {"3D printing", "prototyping"}},
    {{"fibre optic sensing", "optical fibre strain measurement", "distributed fibre sensors"},
     "26.70",
     "photonics",
     {"fibre optics", "monitoring"}},
    {{"cloud data platform", "hosted data services", "software as a service backend"},
     "63.11",
     "digital",
     {"cloud", "data platform"}},
    {{"ultrasonic testing", "ultrasound non-destructive examination", "phased array inspection"},
     "71.20",
     "advanced-manufacturing",
     {"NDT", "ultrasound"}},
    {{"gamified learning", "serious games", "game-based motivation"},
     "62.01",
     "education",
     {"gamification", "games"}},
};

const std::array<const char*, 2> kContexts[] = {
    {"for small manufacturers", "aimed at small production companies"},
    {"in harsh winter conditions", "working in the sub-zero Nordic climate"},
    {"for municipalities", "serving local governments"},
    {"in Baltic Sea ports", "at Baltic harbours"},
    {"for export markets", "for customers abroad"},
    {"with low energy use", "consuming little power"},
    {"for family-owned farms", "suited to family farms"},
    {"meeting EU regulation", "compliant with European rules"},
    {"at low cost", "affordable for smaller firms"},
    {"for rural areas", "in sparsely populated regions"},
    {"with open interfaces", "built on open standards"},
    {"for mass production", "at high volumes"},
    {"for small batch production", "in short production runs"},
    {"with remote support", "supported remotely"},
    {"for food safety", "ensuring hygiene of food"},
    {"reducing carbon emissions", "cutting CO2 output"},
    {"for the maritime sector", "for shipping companies"},
    {"in public procurement", "for public tenders"},
    {"with multilingual interfaces", "in several languages"},
    {"for fast deployment", "installed quickly"},
};

const char* kFiller[] = {
    "The company has taken part in European projects before.",
    "Our team of engineers and technicians has worked on similar assignments.",
    "A pilot installation could start within six months.",
    "We have customers in three countries and want to grow further.",
    "The solution has been tested in real operating conditions.",
    "Funding from a regional programme is available for the first phase.",
    "We prefer a long-term relationship over a single order.",
    "References from earlier deliveries can be shared on request.",
    "The work can be organised in stages with clear milestones.",
    "Both sides would keep their own intellectual property.",
    "Staff exchanges between the partners are welcome.",
    "The first meeting could take place online.",
};

struct Country {
  const char* code;
  const char* region;
  const char* language;
  const char* native_phrase;  // an ordinary sentence in the national language
};

const Country kCountries[] = {
    {"PL", "PL63", "pl", "Szukamy partnera do długoterminowej współpracy technicznej."},
    {"FI", "FI1B", "fi", "Etsimme kumppania pitkäaikaiseen tekniseen yhteistyöhön."},
    {"DK", "DK01", "da", "Vi søger en partner til et langsigtet teknisk samarbejde."},
    {"DE", "DE30", "de",
     "Wir suchen einen Partner für eine langfristige technische Zusammenarbeit."},
    {"LV", "LV00", "lv", "Mēs meklējam partneri ilgtermiņa tehniskai sadarbībai."},
    {"EE", "EE00", "et", "Otsime partnerit pikaajaliseks tehniliseks koostööks."},
    {"LT", "LT01", "lt", "Ieškome partnerio ilgalaikiam techniniam bendradarbiavimui."},
};

constexpr std::size_t kApplicationCount = std::size(kApplications);
constexpr std::size_t kTechnologyCount = std::size(kTechnologies);
constexpr std::size_t kContextCount = std::size(kContexts);

struct Theme {
  std::size_t application, technology, context;
};

class Writer {
 public:
  explicit Writer(uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  Theme theme() { return {pick(kApplicationCount), pick(kTechnologyCount), pick(kContextCount)}; }

  std::size_t organisation(Corpus& corpus, std::size_t country, const Facet& sector,
                           bool research) {
    Organisation org;
    const auto& c = kCountries[country];
    org.ref = std::string(c.code) + "-" + std::to_string(corpus.organisations.size() + 1);
    for (auto& ch : org.ref) ch = static_cast<char>(std::tolower(ch));
    org.country = c.code;
    org.region = c.region;
    org.type = research
                   ? (chance(0.5) ? wire::OrgType::UNIVERSITY : wire::OrgType::RESEARCH_INSTITUTE)
                   : business_type();
    org.headcount = headcount(org.type);
    org.turnover_eur = 200'000 + pick(30) * 500'000;
    org.nace = research ? "72.19" : sector.nace;
    org.domain = sector.domain;
    org.languages = {c.language, "en"};
    corpus.organisations.push_back(org);
    return corpus.organisations.size() - 1;
  }

  // A seeker's profile: it names the application it works in and the technology it needs.
  Profile request(Kind kind, const Theme& t, std::size_t variant) {
    const auto& app = kApplications[t.application];
    const auto& tech = kTechnologies[t.technology];
    const char* context = kContexts[t.context][variant % 2];
    Profile p;
    p.kind = kind;
    std::string app_name = app.names[variant % 3];
    std::string tech_name = tech.names[(variant + 1) % 3];
    switch (pick(3)) {
      case 0:
        p.title = cap(tech_name) + " wanted for " + app_name;
        break;
      case 1:
        p.title = "Partner sought: " + tech_name + " in " + app_name;
        break;
      default:
        p.title = cap(app_name) + ": looking for " + tech_name;
        break;
    }
    p.summary = "We work in " + app_name + " and look for a partner who brings " + tech_name + " " +
                context + ".";
    p.description = "Our daily work is " + std::string(app.names[(variant + 2) % 3]) +
                    ". We want to introduce " + std::string(tech.names[(variant + 2) % 3]) + " " +
                    context + ". " + filler() + " " + filler();
    p.keywords = {app.keywords[0], tech.keywords[variant % 2]};
    // Classified as brokers do: the activity sought, then the owner's own field.
    p.nace = {tech.nace, app.nace};
    p.domains = {app.domain, tech.domain};
    return p;
  }

  // A provider's profile: it names its technology and the application it serves.
  Profile offer(Kind kind, const Theme& t, std::size_t variant) {
    const auto& app = kApplications[t.application];
    const auto& tech = kTechnologies[t.technology];
    const char* context = kContexts[t.context][(variant + 1) % 2];
    Profile p;
    p.kind = kind;
    std::string tech_name = tech.names[variant % 3];
    std::string app_name = app.names[(variant + 2) % 3];
    switch (pick(3)) {
      case 0:
        p.title = cap(tech_name) + " for " + app_name;
        break;
      case 1:
        p.title = "Proven " + tech_name + " applied to " + app_name;
        break;
      default:
        p.title = cap(app_name) + " with " + tech_name;
        break;
    }
    p.summary = "We offer " + tech_name + " " + context + ", developed for " + app_name + ".";
    p.description = "Our company develops " + std::string(tech.names[(variant + 2) % 3]) +
                    ". It serves " + std::string(app.names[(variant + 2) % 3]) + " " + context +
                    ". " + filler() + " " + filler();
    p.keywords = {tech.keywords[0], app.keywords[variant % 2]};
    p.nace = {tech.nace, app.nace};  // its own activity, then the market it serves
    p.domains = {tech.domain, app.domain};
    return p;
  }

  std::vector<Coop> cooperation(bool business) {
    static const Coop business_types[] = {Coop::COMMERCIAL_AGREEMENT, Coop::DISTRIBUTION,
                                          Coop::SUBCONTRACTING, Coop::MANUFACTURING,
                                          Coop::SERVICES};
    static const Coop technology_types[] = {Coop::TECHNICAL_COOPERATION, Coop::LICENCE,
                                            Coop::JOINT_VENTURE, Coop::RESEARCH_COOPERATION,
                                            Coop::COMMERCIAL_WITH_TECHNICAL_ASSISTANCE};
    const Coop* types = business ? business_types : technology_types;
    std::vector<Coop> out = {types[pick(5)]};
    Coop second = types[pick(5)];
    if (second != out[0]) out.push_back(second);
    return out;
  }

  // Owners of business profiles as they occur: mostly SMEs, some large firms and
  // intermediaries.
  wire::OrgType business_type() {
    static const std::pair<wire::OrgType, int> shares[] = {
        {wire::OrgType::SME, 75},
        {wire::OrgType::LARGE_ENTERPRISE, 10},
        {wire::OrgType::CLUSTER, 5},
        {wire::OrgType::BUSINESS_SUPPORT, 4},
        {wire::OrgType::PUBLIC_ADMINISTRATION, 4},
        {wire::OrgType::NGO, 2}};
    return weighted(shares);
  }

  uint32_t headcount(wire::OrgType type) {
    if (type == wire::OrgType::LARGE_ENTERPRISE) return static_cast<uint32_t>(250 + pick(5000));
    if (type == wire::OrgType::UNIVERSITY || type == wire::OrgType::RESEARCH_INSTITUTE) {
      return static_cast<uint32_t>(50 + pick(3000));
    }
    double r = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (r < 0.4) return static_cast<uint32_t>(2 + pick(8));     // micro
    if (r < 0.75) return static_cast<uint32_t>(10 + pick(40));  // small
    return static_cast<uint32_t>(50 + pick(200));               // medium
  }

  // Partner types and sizes sought, as profiles state them: loosely, often not at
  // all, and drawn without regard to who the partner will be.
  std::vector<wire::OrgType> partner_types() {
    static const std::pair<wire::OrgType, int> shares[] = {
        {wire::OrgType::SME, 40},
        {wire::OrgType::UNIVERSITY, 20},
        {wire::OrgType::RESEARCH_INSTITUTE, 15},
        {wire::OrgType::LARGE_ENTERPRISE, 15},
        {wire::OrgType::CLUSTER, 5},
        {wire::OrgType::PUBLIC_ADMINISTRATION, 5}};
    std::vector<wire::OrgType> out;
    if (!chance(0.55)) return out;
    out.push_back(weighted(shares));
    if (chance(0.4)) {
      auto second = weighted(shares);
      if (second != out[0]) out.push_back(second);
    }
    return out;
  }

  std::vector<wire::SizeClass> partner_sizes() {
    std::vector<wire::SizeClass> out;
    if (!chance(0.25)) return out;
    auto first = static_cast<wire::SizeClass>(1 + pick(4));
    out.push_back(first);
    if (chance(0.5) && static_cast<int>(first) < 4) {
      out.push_back(static_cast<wire::SizeClass>(static_cast<int>(first) + 1));
    }
    return out;
  }

  template <class T, std::size_t N>
  T weighted(const std::pair<T, int> (&shares)[N]) {
    int total = 0;
    for (const auto& [value, share] : shares) total += share;
    int r = static_cast<int>(pick(static_cast<std::size_t>(total)));
    for (const auto& [value, share] : shares) {
      if (r < share) return value;
      r -= share;
    }
    return shares[0].first;
  }

  std::string filler() { return kFiller[pick(std::size(kFiller))]; }
  static std::string cap(std::string text) {
    if (!text.empty()) text[0] = static_cast<char>(std::toupper(text[0]));
    return text;
  }

 private:
  std::mt19937_64 rng_;
};

Kind offer_kind_for(Kind request) {
  return request == Kind::BUSINESS_REQUEST ? Kind::BUSINESS_OFFER : Kind::TECHNOLOGY_OFFER;
}

int32_t day_of(const std::string& iso) {
  int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2)),
      d = std::stoi(iso.substr(8, 2));
  std::chrono::year_month_day date{std::chrono::year(y),
                                   std::chrono::month(static_cast<unsigned>(m)),
                                   std::chrono::day(static_cast<unsigned>(d))};
  return static_cast<int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
}

std::string iso_of(int32_t day) {
  std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Names the profile's first keyword that has a national term in the owner's language
// only: in keywords, title, summary and description. False when none has one.
bool use_national_term(Profile& p, std::size_t country) {
  for (auto& keyword : p.keywords) {
    for (const auto& term : kNationalTerms) {
      if (keyword != term.english) continue;
      std::string native = term.native[country];
      replace_all(p.title, keyword, native);
      replace_all(p.summary, keyword, native);
      replace_all(p.description, keyword, native);
      keyword = native;
      p.national_term = true;
      return true;
    }
  }
  return false;
}

bool has(const std::vector<wire::OrgType>& list, wire::OrgType value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

wire::SizeClass size_class(const Organisation& org) {
  return org.headcount < 10    ? wire::SizeClass::MICRO
         : org.headcount < 50  ? wire::SizeClass::SMALL
         : org.headcount < 250 ? wire::SizeClass::MEDIUM
                               : wire::SizeClass::LARGE;
}

Corpus generate(std::size_t profiles, std::size_t planted_pairs, uint64_t seed,
                const std::string& today) {
  Corpus corpus;
  corpus.today = today;
  const int32_t today_day = day_of(today);
  Writer w(seed);
  constexpr std::size_t kCountryCount = std::size(kCountries);
  const Kind request_kinds[] = {Kind::TECHNOLOGY_REQUEST, Kind::BUSINESS_REQUEST,
                                Kind::RESEARCH_PARTNER_REQUEST};

  // Preferences and dates as profiles carry them; `expired`: it ended before today.
  auto dress = [&](Profile& p, bool expired) {
    p.partner_types = w.partner_types();
    p.partner_sizes = w.partner_sizes();
    int32_t published = today_day - static_cast<int32_t>(w.pick(1000));
    int32_t expires = published + 365 + static_cast<int32_t>(w.pick(730));
    if (expired) {
      expires = today_day - 1 - static_cast<int32_t>(w.pick(300));
      published = std::min(published, expires - 200);
    } else if (expires < today_day) {
      expires = today_day + static_cast<int32_t>(w.pick(365));
    }
    // Registries refuse an expiry more than two years ahead.
    expires = std::min(expires, today_day + 700);
    p.published_on = iso_of(published);
    p.expires_on = iso_of(expires);
  };
  auto add = [&](Profile p, std::size_t owner) {
    p.owner = owner;
    p.ref = "p-" + std::to_string(corpus.profiles.size() + 1);
    if (w.chance(0.1)) {  // some profiles carry a sentence in their national language
      const auto& country = corpus.organisations[owner].country;
      for (const auto& c : kCountries) {
        if (country == c.code) p.description += std::string(" ") + c.native_phrase;
      }
    }
    corpus.profiles.push_back(std::move(p));
    return corpus.profiles.size() - 1;
  };
  // A requirement the profile marks, kept only when `partner` (if any) meets it.
  auto maybe_require = [&](Profile& p, const Organisation* partner, const Profile* theirs) {
    if (!w.chance(0.05)) return;
    if (!p.partner_types.empty() && (!partner || has(p.partner_types, partner->type))) {
      p.requirements.push_back(wire::Requirement::PARTNER_TYPES);
    } else if (!p.cooperation.empty() && theirs) {
      for (auto c : p.cooperation) {
        if (std::find(theirs->cooperation.begin(), theirs->cooperation.end(), c) !=
            theirs->cooperation.end()) {
          p.requirements.push_back(wire::Requirement::COOPERATION_TYPES);
          break;
        }
      }
    }
  };

  // A planted pair's application and technology together appear nowhere else but in
  // its hard negatives, so its labels are complete: no background profile is as
  // relevant as the planted partner.
  std::set<std::pair<std::size_t, std::size_t>> reserved;
  planted_pairs = std::min(planted_pairs, kApplicationCount * kTechnologyCount / 2);
  for (std::size_t i = 0; i < planted_pairs && corpus.profiles.size() + 5 <= profiles; ++i) {
    Theme theme = w.theme();
    while (!reserved.insert({theme.application, theme.technology}).second) theme = w.theme();
    Kind request_kind = request_kinds[w.pick(3)];
    std::size_t country_a = w.pick(kCountryCount);
    std::size_t country_b = (country_a + 1 + w.pick(kCountryCount - 1)) % kCountryCount;
    std::size_t variant = w.pick(6);
    bool research = request_kind == Kind::RESEARCH_PARTNER_REQUEST;
    // A research request seeks a consortium partner (another research request) in one
    // case of four, else a technology offer.
    bool consortium = research && w.chance(0.25);
    auto requester = w.organisation(corpus, country_a, kApplications[theme.application], false);
    auto provider = w.organisation(corpus, country_b, kTechnologies[theme.technology],
                                   research || w.chance(0.1));
    Profile request = w.request(request_kind, theme, variant);
    // Offset 2: the offer names each facet otherwise than the request's title does.
    Profile offer = consortium ? w.request(Kind::RESEARCH_PARTNER_REQUEST, theme, variant + 3)
                               : w.offer(offer_kind_for(request_kind), theme, variant + 2);
    request.cooperation = w.cooperation(request_kind == Kind::BUSINESS_REQUEST);
    offer.cooperation = w.cooperation(request_kind == Kind::BUSINESS_REQUEST);
    dress(request, false);
    dress(offer, false);
    if (w.chance(0.2)) {
      request.target_countries = {kCountries[country_b].code,
                                  kCountries[(country_b + 2) % kCountryCount].code};
      if (request.target_countries[1] == std::string(kCountries[country_a].code)) {
        request.target_countries.resize(1);
      }
    }
    maybe_require(request, &corpus.organisations[provider], &offer);
    maybe_require(offer, &corpus.organisations[requester], &request);
    bool cross = false;
    if (w.chance(0.3)) {
      cross = w.chance(0.5) ? use_national_term(offer, country_b)
                            : use_national_term(request, country_a);
    }
    Kind partner_kind = offer.kind;
    auto request_targets = request.target_countries;
    std::size_t r = add(std::move(request), requester);
    std::size_t o = add(std::move(offer), provider);
    corpus.planted.push_back({r, o, cross});

    // Hard negatives: the planted partner's near-copies that a hard rule excludes.
    auto near_copy = [&](std::size_t country, std::size_t v) {
      auto owner = w.organisation(corpus, country, kTechnologies[theme.technology], research);
      Profile copy = partner_kind == Kind::RESEARCH_PARTNER_REQUEST
                         ? w.request(partner_kind, theme, v)
                         : w.offer(partner_kind, theme, v);
      copy.cooperation = w.cooperation(request_kind == Kind::BUSINESS_REQUEST);
      dress(copy, false);
      return std::make_pair(std::move(copy), owner);
    };
    if (w.chance(0.5)) {  // in the request's own country
      auto [copy, owner] = near_copy(country_a, variant + 2);
      corpus.hard_negatives.push_back(add(std::move(copy), owner));
    }
    if (w.chance(0.5)) {  // expired
      auto [copy, owner] = near_copy(country_b, variant + 1);
      dress(copy, true);
      corpus.hard_negatives.push_back(add(std::move(copy), owner));
    }
    if (w.chance(0.5)) {  // outside a target country list, one side or the other
      std::size_t country = (country_b + 1) % kCountryCount;
      if (country == country_a) country = (country + 1) % kCountryCount;
      auto [copy, owner] = near_copy(country, variant + 4);
      if (request_targets.empty() ||
          std::find(request_targets.begin(), request_targets.end(),
                    std::string(kCountries[country].code)) != request_targets.end()) {
        copy.target_countries = {kCountries[country_b].code};  // never the request's country
      }
      corpus.hard_negatives.push_back(add(std::move(copy), owner));
    }
  }

  while (corpus.profiles.size() < profiles) {
    Theme theme = w.theme();
    if (reserved.count({theme.application, theme.technology})) continue;
    std::size_t country = w.pick(kCountryCount);
    std::size_t variant = w.pick(6);
    std::size_t k = w.pick(5);
    Profile p;
    std::size_t owner;
    if (k < 3) {
      Kind kind = request_kinds[k];
      owner = w.organisation(corpus, country, kApplications[theme.application], false);
      p = w.request(kind, theme, variant);
      p.cooperation = w.cooperation(kind == Kind::BUSINESS_REQUEST);
    } else {
      Kind kind = k == 3 ? Kind::TECHNOLOGY_OFFER : Kind::BUSINESS_OFFER;
      owner = w.organisation(corpus, country, kTechnologies[theme.technology], w.chance(0.15));
      p = w.offer(kind, theme, variant);
      p.cooperation = w.cooperation(kind == Kind::BUSINESS_OFFER);
    }
    dress(p, w.chance(0.05));
    if (w.chance(0.15)) {
      for (std::size_t n = 1 + w.pick(3); n > 0; --n) {
        p.target_countries.push_back(kCountries[w.pick(kCountryCount)].code);
      }
      std::sort(p.target_countries.begin(), p.target_countries.end());
      p.target_countries.erase(std::unique(p.target_countries.begin(), p.target_countries.end()),
                               p.target_countries.end());
    }
    maybe_require(p, nullptr, nullptr);
    if (w.chance(0.05)) use_national_term(p, country);
    add(std::move(p), owner);
  }
  return corpus;
}

void fill_profile(const Corpus& corpus, const Profile& profile, const std::string& id,
                  wire::Profile::Builder out) {
  (void)corpus;
  out.setId(id);
  out.setKind(profile.kind);
  out.setStatus(wire::ProfileStatus::PUBLISHED);
  out.setTitle(profile.title);
  out.setSummary(profile.summary);
  out.setDescription(profile.description);
  out.setExpiresOn(profile.expires_on.empty() ? "2099-12-31" : profile.expires_on);
  out.setPublishedOn(profile.published_on);
  auto set = [](auto list, const auto& values) {
    for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
  };
  set(out.initKeywords(static_cast<unsigned>(profile.keywords.size())), profile.keywords);
  set(out.initNaceCodes(static_cast<unsigned>(profile.nace.size())), profile.nace);
  set(out.initDomains(static_cast<unsigned>(profile.domains.size())), profile.domains);
  set(out.initCooperationTypes(static_cast<unsigned>(profile.cooperation.size())),
      profile.cooperation);
  set(out.initTargetCountries(static_cast<unsigned>(profile.target_countries.size())),
      profile.target_countries);
  set(out.initPartnerTypes(static_cast<unsigned>(profile.partner_types.size())),
      profile.partner_types);
  set(out.initPartnerSizes(static_cast<unsigned>(profile.partner_sizes.size())),
      profile.partner_sizes);
  set(out.initRequirements(static_cast<unsigned>(profile.requirements.size())),
      profile.requirements);
  if (profile.kind == Kind::RESEARCH_PARTNER_REQUEST) {
    out.initResearch().setCall("Horizon Europe, Cluster 4, open call");
    out.getResearch().setRoleSought(wire::ResearchRole::PARTNER);
  }
}

void fill_owner(const Organisation& org, const std::string& id,
                wire::PublicOrganisation::Builder out) {
  out.setId(id);
  out.setCountry(org.country);
  out.setRegion(org.region);
  out.setType(org.type);
  out.setSizeClass(size_class(org));
  out.initNaceCodes(1).set(0, org.nace);
  out.initDomains(1).set(0, org.domain);
  auto languages = out.initLanguages(static_cast<unsigned>(org.languages.size()));
  for (unsigned i = 0; i < org.languages.size(); ++i) languages.set(i, org.languages[i]);
}

}  // namespace gosmart::corpus
