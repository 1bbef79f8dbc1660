// A local federation of three countries brought up by gosmart-federation and driven
// only through gosmartctl, as an operator would: register, submit, publish, match,
// express interest and answer, erase, status (healthy, degraded, healthy again),
// refused keys and roles, the Prometheus endpoint agreeing with status --json.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "common/config/config.hpp"
#include "tests/support/process.hpp"
#include "tools/federation/federation.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct Run {
  int exit = -1;
  std::string output;
  json parsed() const {
    try {
      return json::parse(output);
    } catch (const json::exception&) {
      FAIL("not JSON: " + output);
    }
    return {};
  }
};

class LocalFederation {
 public:
  LocalFederation() {
    auto up = federation({"up", "--dir", dir.path().string(), "--countries", "PL,FI,DK", "--wait",
                          "90", "--stop-with", std::to_string(::getpid())});
    REQUIRE(up.exit == 0);
  }
  ~LocalFederation() { federation({"down", "--dir", dir.path().string()}); }

  Run federation(std::vector<std::string> args) {
    args.insert(args.begin(), binary("gosmart-federation").string());
    return run(args);
  }

  // gosmartctl --config DIR/<cc>/node.toml --json ARGS…, as the operator unless `key`.
  Run ctl(const std::string& country, std::vector<std::string> args, const std::string& key = "") {
    std::string cc = country;
    for (auto& c : cc) c = static_cast<char>(std::tolower(c));
    std::vector<std::string> argv = {binary("gosmartctl").string(), "--config",
                                     (dir.path() / cc / "node.toml").string(), "--json"};
    if (!key.empty()) {
      argv.push_back("--key");
      argv.push_back(key);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  std::filesystem::path node_file(const std::string& cc, const std::string& name) {
    return dir.path() / cc / name;
  }

  TempDir dir;

 private:
  Run run(const std::vector<std::string>& argv) {
    auto log = dir.path() / ("run-" + std::to_string(++runs_) + ".out");
    Process process(argv, log);
    Run result;
    result.exit = process.wait(60s);
    result.output = process.log();
    return result;
  }
  int runs_ = 0;
};

const char* kFiOrg =
    R"({"legalName": "Lumo Optics Oy", "country": "FI", "region": "FI1B", "type": "sme",
        "headcount": 30, "turnoverEur": "4000000", "naceCodes": ["26.70"],
        "domains": ["photonics"], "languages": ["fi", "en"],
        "contacts": [{"name": "Aino Virtanen", "email": "aino@lumo.example.fi"}]})";
const char* kPlOrg =
    R"({"legalName": "Termo Wizja sp. z o.o.", "country": "PL", "region": "PL63", "type": "sme",
        "headcount": 12, "turnoverEur": "1500000", "naceCodes": ["26.51"],
        "domains": ["photonics"], "languages": ["pl", "en"],
        "contacts": [{"name": "Jan Kowalski", "email": "jan@termo.example.pl"}]})";
const std::string kFiOffer =
    R"({"kind": "technologyOffer", "title": "Anti-reflective coatings for thermal camera lenses",
        "summary": "A vacuum coating process that cuts reflection losses of infrared optics.",
        "naceCodes": ["26.70"], "domains": ["photonics"], "expiresOn": ")" +
    iso_day(365) + R"(",
        "cooperationTypes": ["licence", "technicalCooperation"]})";
const std::string kPlRequest =
    R"({"kind": "technologyRequest", "title": "Coating partner for thermal imaging optics",
        "summary": "We need anti-reflective coatings for the infrared lenses of our thermal cameras.",
        "naceCodes": ["26.70"], "domains": ["photonics"], "expiresOn": ")" +
    iso_day(365) + R"(",
        "cooperationTypes": ["technicalCooperation"]})";

std::string id_of(const Run& run, const char* what) {
  INFO(run.output);
  REQUIRE(run.exit == 0);
  return run.parsed()[what]["id"].get<std::string>();
}

}  // namespace

TEST_CASE("an operator runs a three-country federation with gosmartctl alone", "[system][ctl]") {
  LocalFederation f;
  REQUIRE(eventually([&] { return f.ctl("PL", {"status", "--federation"}).exit == 0; }, 20s));
  auto status = f.ctl("PL", {"status", "--federation"}).parsed();
  CHECK(status["health"] == "healthy");
  // A registry, a matching and an audit each, and PL's own notifier (a peer's
  // notifier is not listed: peers never talk to it).
  CHECK(status["services"].size() == 10);
  std::size_t peers_seen = 0;
  for (const auto& service : status["services"]) {
    for (const auto& peer : service["peers"]) {
      CHECK(peer["state"] == "alive");
      CHECK(peer["lag_s"].get<double>() < 5);
      ++peers_seen;
    }
  }
  // Three registries with two peers each, three matchings reading their registry,
  // three audits reading their registry, matching and notifier, PL's notifier its
  // registry and matching.
  CHECK(peers_seen == 20);

  // FI offers, PL requests; both published by their brokers.
  auto fi_org = id_of(f.ctl("FI", {"org", "register", "--data", kFiOrg}), "organisation");
  auto fi_offer =
      id_of(f.ctl("FI", {"profile", "submit", "--data", kFiOffer, "--owner", fi_org}), "profile");
  REQUIRE(f.ctl("FI", {"profile", "publish", fi_offer}).exit == 0);
  auto pl_org = id_of(f.ctl("PL", {"org", "register", "--data", kPlOrg}), "organisation");
  auto pl_request =
      id_of(f.ctl("PL", {"profile", "submit", "--data", kPlRequest, "--owner", pl_org}), "profile");
  // A monitor key may read, not publish.
  auto by_monitor =
      f.ctl("PL", {"profile", "publish", pl_request}, f.dir.path().string() + "/monitor");
  CHECK(by_monitor.exit == 1);
  CHECK(by_monitor.output.find("not authorised") != std::string::npos);
  auto published = f.ctl("PL", {"profile", "publish", pl_request});
  REQUIRE(published.exit == 0);
  CHECK(published.parsed()["profile"]["status"] == "published");
  // PL's notifier tells the organisation's contact, through the federation's own
  // mail relay, which keeps the message in DIR/mail (a Maildir).
  auto mail_to_jan = [&] {
    for (const char* sub : {"new", "cur"}) {
      std::error_code error;
      for (const auto& entry :
           std::filesystem::directory_iterator(f.dir.path() / "mail" / sub, error)) {
        std::ifstream in(entry.path());
        std::string text((std::istreambuf_iterator<char>(in)), {});
        if (text.find("To: jan@termo.example.pl") != std::string::npos &&
            text.find("X-GoSmart-Notification: profile_published") != std::string::npos) {
          return true;
        }
      }
    }
    return false;
  };
  CHECK(eventually(mail_to_jan, 20s));

  // The action log says who published.
  auto log = f.ctl("PL", {"actions", "--target", pl_request});
  REQUIRE(log.exit == 0);
  auto entries = log.parsed()["actions"];
  REQUIRE(entries.size() == 2);  // newest first
  CHECK(entries[0]["action"] == "profile.publish");
  CHECK(entries[0]["actor"] == "broker:operator");
  CHECK(entries[1]["action"] == "profile.submit");

  // A validation error names the field.
  auto bad = f.ctl("PL", {"profile", "submit", "--owner", pl_org, "--data",
                          R"({"kind": "technologyOffer", "title": "x", "summary": "y",
                              "expiresOn": ")" +
                              iso_day(365) + R"(", "naceCodes": ["26.999"]})"});
  CHECK(bad.exit == 1);
  CHECK(bad.output.find("naceCodes[0]") != std::string::npos);
  // An argument out of its range is bad input too: exit 1, not CLI11's own 105
  // (outside findings).
  auto out_of_range = f.ctl("PL", {"notify", "deliveries", "--limit", "501"});
  CHECK(out_of_range.exit == 1);
  CHECK(out_of_range.output.find("--limit") != std::string::npos);
  // The outbox lists up to 1,000 (outside findings, session 19: only 100 could be).
  CHECK(f.ctl("PL", {"notify", "outbox", "--limit", "1000"}).exit == 0);
  CHECK(f.ctl("PL", {"notify", "outbox", "--limit", "1001"}).exit == 1);

  // The match, with its explanation, from PL's matching.
  json matches;
  REQUIRE(eventually(
      [&] {
        auto run = f.ctl("PL", {"match", pl_request});
        if (run.exit != 0) return false;
        matches = run.parsed()["matches"];
        return matches.size() == 1;
      },
      20s));
  CHECK(matches[0]["b"]["profileId"] == fi_offer);
  CHECK(matches[0]["explanation"]["sharedDomains"][0] == "photonics");
  // `--all` is passed on: the reply says it lists all candidates (outside findings,
  // wave 3: the flag was dropped and the announced list shown).
  auto all = f.ctl("PL", {"match", pl_request, "--all"});
  REQUIRE(all.exit == 0);
  CHECK(std::string(all.parsed()["shows"]).rfind("all candidates", 0) == 0);
  CHECK(std::string(f.ctl("PL", {"match", pl_request}).parsed()["shows"])
            .rfind("what would be announced", 0) == 0);

  // Expression of interest PL -> FI, accepted in FI; contacts only then.
  auto sent = f.ctl("PL", {"eoi", "send", "--profile", fi_offer, "--from", pl_org, "--message",
                           "We would like to license the coating process.", "--consent"});
  auto eoi = id_of(sent, "eoi");
  REQUIRE(eventually([&] { return f.ctl("FI", {"eoi", "show", eoi}).exit == 0; }, 20s));
  auto before = f.ctl("FI", {"eoi", "show", eoi});
  CHECK(before.output.find("jan@termo.example.pl") == std::string::npos);
  auto answered = f.ctl("FI", {"eoi", "answer", eoi, "--accept"});
  REQUIRE(answered.exit == 0);
  CHECK(answered.parsed()["eoi"]["status"] == "accepted");
  CHECK(eventually(
      [&] {
        auto shown = f.ctl("PL", {"eoi", "show", eoi});
        return shown.exit == 0 && shown.output.find("aino@lumo.example.fi") != std::string::npos;
      },
      20s));

  // A key the nodes do not know gets a clear refusal.
  auto stranger = f.dir.path() / "stranger";
  REQUIRE(f.ctl("PL", {"keys", "generate", "--out", stranger.string()}).exit == 0);
  auto refused = f.ctl("PL", {"org", "list"}, stranger.string());
  CHECK(refused.exit == 1);
  CHECK(refused.output.find("not authorised") != std::string::npos);
  // status with that key: a refusal (1), not an outage (2): the services are up.
  auto refused_status = f.ctl("PL", {"status"}, stranger.string());
  CHECK(refused_status.exit == 1);
  auto refused_json = refused_status.parsed();
  CHECK(refused_json["health"] == "not authorised");
  for (const auto& service : refused_json["services"]) {
    CHECK(service["refused"] == true);
    CHECK(service["failure"] == "not authorised");
  }

  // The Prometheus endpoint says what status --json says.
  auto pl = config::load_config(f.node_file("pl", "node.toml"));
  httplib::Client scrape("127.0.0.1", pl.service("registry").metrics_port);
  auto metrics = scrape.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  auto own = f.ctl("PL", {"status"}).parsed();
  double organisations = -1;
  for (const auto& s : own["services"]) {
    if (s["service"] == "registry") organisations = s["metrics"]["registry.organisations"];
  }
  CHECK(organisations == 1);
  CHECK(metrics->body.find(
            "gosmart_registry_organisations{service=\"registry\",country=\"PL\"} 1\n") !=
        std::string::npos);
  CHECK(metrics->body.find("gosmart_peer_up{service=\"registry\",country=\"PL\",peer=\"FI\"} 1") !=
        std::string::npos);
  // Counts since the start are counters (rates and restarts are read right), and
  // Prometheus's own linter accepts the whole exposition.
  CHECK(metrics->body.find("# TYPE gosmart_registry_requests_total counter\n") !=
        std::string::npos);
  CHECK(metrics->body.find("# TYPE gosmart_platform_zap_refused_total counter\n") !=
        std::string::npos);
  auto exposition = f.dir.path() / "metrics.txt";
  std::ofstream(exposition) << metrics->body;
  Process promtool({"/bin/sh", "-c", "promtool check metrics < " + exposition.string()},
                   f.dir.path() / "promtool.out");
  auto promtool_exit = promtool.wait(60s);
  INFO(promtool.log());
  CHECK(promtool_exit == 0);

  // A reason is 1 to 2000 bytes, like a revision comment: the action log stays readable.
  for (const std::string& reason : {std::string(), std::string(2001, 'r')}) {
    auto refused_erase = f.ctl("PL", {"org", "erase", pl_org, "--reason", reason});
    CHECK(refused_erase.exit == 1);
    CHECK(refused_erase.output.find("invalid field reason") != std::string::npos);
  }
  // Erasure: the organisation is gone in FI as well.
  REQUIRE(f.ctl("PL", {"org", "erase", pl_org, "--reason", "data-protection request"}).exit == 0);
  CHECK(eventually(
      [&] {
        auto list = f.ctl("FI", {"org", "list", "--country", "PL"});
        if (list.exit != 0) return false;
        auto parsed = list.parsed();
        return parsed.contains("replicas") && parsed["replicas"].is_array() &&
               parsed["replicas"].empty();
      },
      20s));

  // Witnessing: FI's and DK's audits cosign PL's audit checkpoints, and gosmartctl
  // checks the cosignatures under the keys their own audits give (cosignerKey).
  auto cosigner_of = [&](const std::string& country) {
    auto checkpoint = f.ctl(country, {"audit", "checkpoint"});
    REQUIRE(checkpoint.exit == 0);
    return checkpoint.parsed()["cosignerKey"].get<std::string>();
  };
  auto fi_witness = cosigner_of("FI");
  auto dk_witness = cosigner_of("DK");
  CHECK(fi_witness.rfind("gosmart-audit/FI+", 0) == 0);
  json witnessed;
  REQUIRE(eventually(
      [&] {
        auto run = f.ctl("PL", {"audit", "checkpoint"});
        if (run.exit != 0) return false;
        witnessed = run.parsed();
        return witnessed["witnesses"].size() == 2;
      },
      30s));
  CHECK(witnessed["witnessedSize"].get<std::string>() != "0");
  CHECK(witnessed["witnessedNote"].get<std::string>().find("\n— gosmart-audit/FI ") !=
        std::string::npos);
  CHECK(
      f.ctl("PL", {"audit", "checkpoint", "--witness", fi_witness, "--witness", dk_witness}).exit ==
      0);
  // A key that cosigned nothing of PL's (PL's own, as a witness): exit 1.
  auto not_a_cosigner = f.ctl("PL", {"audit", "checkpoint", "--witness", cosigner_of("PL")});
  CHECK(not_a_cosigner.exit == 1);
  CHECK(not_a_cosigner.output.find("COSIGNATURE FAILED") != std::string::npos);

  // A service of another node dies: degraded (exit 1); restarted by `up`: healthy.
  std::ifstream pid_file(f.node_file("dk", "matching.pid"));
  int pid = 0;
  pid_file >> pid;
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  CHECK(eventually([&] { return f.ctl("PL", {"status", "--federation"}).exit == 1; }, 20s));
  CHECK(f.ctl("PL", {"status"}).exit == 0);  // this node itself is fine
  REQUIRE(f.federation({"up", "--dir", f.dir.path().string(), "--wait", "90", "--stop-with",
                        std::to_string(::getpid())})
              .exit == 0);
  CHECK(eventually([&] { return f.ctl("PL", {"status", "--federation"}).exit == 0; }, 20s));
  std::ifstream restarted_file(f.node_file("dk", "matching.pid"));
  int restarted = 0;
  restarted_file >> restarted;
  REQUIRE(restarted > 0);
  CHECK(restarted != pid);
  CHECK(::kill(restarted, 0) == 0);

  // down stops exactly what up started; this node is then down (exit 2).
  REQUIRE(f.federation({"down", "--dir", f.dir.path().string()}).exit == 0);
  CHECK(f.ctl("PL", {"status", "--timeout-ms", "500"}).exit == 2);
  CHECK(eventually([&] { return ::kill(restarted, 0) != 0; }, 10s));
}

TEST_CASE("a running node's keys, configs, data and logs are for its user only", "[system][ctl]") {
  LocalFederation f;
  REQUIRE(eventually([&] { return f.ctl("PL", {"status"}).exit == 0; }, 20s));
  namespace fs = std::filesystem;
  std::string open_to_others;
  std::set<std::string> seen;
  for (const auto& entry : fs::recursive_directory_iterator(f.dir.path())) {
    if (entry.is_symlink()) continue;
    // The test's own captures of the commands it ran (run-N.out) are not the node's.
    auto name = entry.path().filename().string();
    if (name.rfind("run-", 0) == 0 && entry.path().extension() == ".out") continue;
    seen.insert(entry.path().filename().string());
    auto mode = entry.status().permissions();
    if ((mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
      open_to_others += entry.path().string() + "\n";
    }
  }
  // The walk reached what matters: service logs and RocksDB's own files.
  CHECK(seen.count("registry.log") == 1);
  CHECK(seen.count("CURRENT") == 1);
  CHECK(seen.count("node.toml") == 1);
  INFO("readable or writable by others:\n" << open_to_others);
  CHECK(open_to_others.empty());
}

TEST_CASE("a local federation's configs: allowlists hold exactly peers and operators",
          "[system][ctl]") {
  TempDir dir;
  auto layout = federation::prepare(dir.path(), {"PL", "FI", "DK"});
  CHECK(layout.countries == std::vector<std::string>{"PL", "FI", "DK"});
  std::set<std::string> node_keys;
  for (const auto& cc : {"pl", "fi", "dk"}) {
    auto node = config::load_config(dir.path() / cc / "node.toml");  // the secret's mode checked
    node_keys.insert(node.public_key);
    CHECK(node.peers.size() == 2);
    for (const auto& peer : node.peers) {
      CHECK(peer.country != node.country);
      REQUIRE(peer.service("matching") != nullptr);
      CHECK_FALSE(peer.service("matching")->api.empty());
      REQUIRE(peer.service("registry") != nullptr);
      CHECK_FALSE(peer.service("registry")->sync.empty());
      CHECK(peer.service("notifier") == nullptr);  // never reached by a peer
    }
    // The notifier holds a key of its own, admitted with its own role, and sends
    // through the federation's mail relay.
    const auto& notifier = node.service("notifier");
    REQUIRE(notifier.keys);
    CHECK(notifier.keys->public_key != node.public_key);
    CHECK(notifier.role == config::Role::notifier);
    CHECK(node.section("notifier").string("smtp_url").value_or("").rfind("smtp://127.0.0.1:", 0) ==
          0);
    REQUIRE(node.clients.size() == 2);
    CHECK(node.clients[0].role == config::Role::broker);
    CHECK(node.clients[1].role == config::Role::monitor);
    CHECK(node.service("registry").metrics_port != 0);
    CHECK(node.service("matching").metrics_port != 0);
    auto mode = std::filesystem::status(dir.path() / cc / "node.secret").permissions();
    CHECK((mode & std::filesystem::perms::group_all) == std::filesystem::perms::none);
    CHECK((mode & std::filesystem::perms::others_all) == std::filesystem::perms::none);
  }
  CHECK(node_keys.size() == 3);
  // A second prepare keeps everything (ports included); other countries are refused.
  auto before = config::load_config(dir.path() / "pl" / "node.toml");
  federation::prepare(dir.path(), {});
  CHECK(config::load_config(dir.path() / "pl" / "node.toml").service("registry").endpoints.api ==
        before.service("registry").endpoints.api);
  CHECK_THROWS(federation::prepare(dir.path(), {"PL", "DE"}));
  CHECK_THROWS(federation::prepare(dir.path() / "other", {"PL", "XX"}));
}
