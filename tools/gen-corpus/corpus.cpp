#include "tools/gen-corpus/corpus.hpp"

#include <array>
#include <random>
#include <set>

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
                   : wire::OrgType::SME;
    org.headcount = static_cast<uint32_t>(5 + pick(200));
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

}  // namespace

Corpus generate(std::size_t profiles, std::size_t planted_pairs, uint64_t seed) {
  Corpus corpus;
  Writer w(seed);
  constexpr std::size_t kCountryCount = std::size(kCountries);
  const Kind request_kinds[] = {Kind::TECHNOLOGY_REQUEST, Kind::BUSINESS_REQUEST,
                                Kind::RESEARCH_PARTNER_REQUEST};

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

  // A planted pair's application and technology together appear nowhere else, so its
  // labels are complete: no background profile is as relevant as the planted partner.
  std::set<std::pair<std::size_t, std::size_t>> reserved;
  planted_pairs = std::min(planted_pairs, kApplicationCount * kTechnologyCount / 2);
  for (std::size_t i = 0; i < planted_pairs && corpus.profiles.size() + 2 <= profiles; ++i) {
    Theme theme = w.theme();
    while (!reserved.insert({theme.application, theme.technology}).second) theme = w.theme();
    Kind request_kind = request_kinds[w.pick(3)];
    std::size_t country_a = w.pick(kCountryCount);
    std::size_t country_b = (country_a + 1 + w.pick(kCountryCount - 1)) % kCountryCount;
    std::size_t variant = w.pick(6);
    bool research = request_kind == Kind::RESEARCH_PARTNER_REQUEST;
    auto requester = w.organisation(corpus, country_a, kApplications[theme.application], false);
    auto provider = w.organisation(corpus, country_b, kTechnologies[theme.technology], research);
    Profile request = w.request(request_kind, theme, variant);
    // Offset 2: the offer names each facet otherwise than the request's title does.
    Profile offer = w.offer(offer_kind_for(request_kind), theme, variant + 2);
    request.cooperation = w.cooperation(request_kind == Kind::BUSINESS_REQUEST);
    offer.cooperation = request.cooperation;
    offer.cooperation.resize(1);  // shares one type with the request at least
    if (w.chance(0.2)) {
      request.target_countries = {kCountries[country_b].code,
                                  kCountries[(country_b + 2) % kCountryCount].code};
    }
    std::size_t r = add(std::move(request), requester);
    std::size_t o = add(std::move(offer), provider);
    corpus.planted.push_back({r, o});
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
  out.setExpiresOn("2099-12-31");
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
}

void fill_owner(const Organisation& org, const std::string& id,
                wire::PublicOrganisation::Builder out) {
  out.setId(id);
  out.setCountry(org.country);
  out.setRegion(org.region);
  out.setType(org.type);
  out.setSizeClass(org.headcount < 10    ? wire::SizeClass::MICRO
                   : org.headcount < 50  ? wire::SizeClass::SMALL
                   : org.headcount < 250 ? wire::SizeClass::MEDIUM
                                         : wire::SizeClass::LARGE);
  out.initNaceCodes(1).set(0, org.nace);
  out.initDomains(1).set(0, org.domain);
  auto languages = out.initLanguages(static_cast<unsigned>(org.languages.size()));
  for (unsigned i = 0; i < org.languages.size(); ++i) languages.set(i, org.languages[i]);
}

}  // namespace gosmart::corpus
