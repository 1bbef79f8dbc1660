#pragma once
// A federation of real registries on loopback for system and fault tests, and the
// sample records they register.
#include <map>
#include <memory>
#include <set>

#include "schemas/registry.capnp.h"
#include "tests/support/nodes.hpp"
#include "tests/support/process.hpp"

namespace gosmart::testing {

using namespace std::chrono_literals;

// The fixture is shared with the benchmarks, which run outside Catch: it reports a
// failure by throwing, which fails a test case as well.
inline void ensure(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error(what);
}

// Where a node runs when not all on loopback: its api sockets on `api_address` (the
// test's way in), its streams on `peer_address` (its peers' way in), its processes
// under `launcher` (a network namespace: tests/support/netns.hpp).
struct Placement {
  std::string api_address;
  std::string peer_address;
  std::vector<std::string> launcher;
};

struct Federation {
  TempDir dir;
  std::map<std::string, Placement> placements;
  TestClient broker = make_client("broker", config::Role::broker);
  TestClient portal = make_client("portal", config::Role::integration);
  TestClient watcher = make_client("watcher", config::Role::monitor);
  TestClient other_portal = make_client("other-portal", config::Role::integration);
  std::map<std::string, TestNode> nodes;
  std::map<std::string, std::unique_ptr<Process>> processes;
  std::map<std::string, std::unique_ptr<Process>> matchers;  // gosmart-matching, if started

  // `extra_toml` joins every node's config (a [matching] section, say). Countries in
  // `played_by_test` get keys, ports and configs but no processes: the test plays
  // them (a HostilePeer, say).
  std::map<std::string, std::unique_ptr<Process>> notifiers;  // gosmart-notifier, if started
  // `with_notifier`: each node's config names a notifier with its own key (started
  // by the test with start_notifier, once it has added a [notifier] table).
  explicit Federation(const std::vector<std::string>& countries, bool with_matching = false,
                      const std::string& extra_toml = "",
                      const std::set<std::string>& played_by_test = {}, bool with_notifier = false,
                      std::map<std::string, Placement> placed = {})
      : placements(std::move(placed)) {
    for (const auto& c : countries) {
      auto node = make_node(dir.path(), c);
      node.with_notifier = with_notifier;
      if (placements.count(c)) rehost(node, placements.at(c));
      nodes.emplace(c, std::move(node));
    }
    for (auto& [country, node] : nodes) {
      std::vector<const TestNode*> peers;
      for (auto& [other, peer] : nodes) {
        if (other != country) peers.push_back(&peer);
      }
      write_config(node, peers, {broker, portal, watcher, other_portal},
                   "[limits]\nheartbeat_ms = 200\n" + extra_toml);
    }
    std::vector<std::string> started;
    for (const auto& c : countries) {
      if (!played_by_test.count(c)) started.push_back(c);
    }
    for (const auto& c : started) start(c);
    for (const auto& c : started) await(c);
    if (!with_matching) return;
    for (const auto& c : started) start_matching(c);
    for (const auto& c : started) await_matching(c);
  }

  // Waits until the node's matching service answers (a test that restarts one
  // waits here too before it times what the service does).
  void await_matching(const std::string& country) {
    // It reads its dictionaries first: 15 to 35 s under clang's sanitizers.
    await_health(nodes.at(country).matching.api, key(country), 60s, "matching " + country);
  }

  // Waits until the service at `endpoint` (its server key) answers health requests.
  void await_health(const std::string& endpoint, const std::string& server_key,
                    std::chrono::milliseconds deadline, const std::string& what) {
    ApiClient client(broker.keys);
    ensure(eventually([&] { return client.health(endpoint, server_key, 500ms).has_value(); },
                      deadline),
           what + " did not come up");
  }

  void start_matching(const std::string& country) {
    matchers[country] = std::make_unique<Process>(
        launched(country, {binary("gosmart-matching").string(), "--config",
                           nodes.at(country).config_file.string()}),
        dir.path() / (country + "-matching.log"));
  }

  // The node's endpoints on its placement's addresses instead of 127.0.0.1.
  static void rehost(TestNode& node, const Placement& at) {
    auto moved = [](std::string& endpoint, const std::string& address) {
      auto host = endpoint.find("127.0.0.1");
      if (host != std::string::npos) endpoint.replace(host, 9, address);
    };
    for (auto* service : {&node.registry, &node.matching, &node.notifier, &node.audit}) {
      moved(service->api, at.api_address);
      moved(service->events, at.peer_address);
      moved(service->sync, at.peer_address);
    }
  }
  // `argv` as the country's placement runs it.
  std::vector<std::string> launched(const std::string& country, std::vector<std::string> argv) {
    auto at = placements.find(country);
    if (at == placements.end()) return argv;
    argv.insert(argv.begin(), at->second.launcher.begin(), at->second.launcher.end());
    return argv;
  }

  // Starts the node's notifier on its config with `notifier_toml` (its [notifier]
  // table) appended, and waits until it answers (unless `await` is false: one armed
  // with a crash point may be gone before it would).
  void start_notifier(const std::string& country, const std::string& notifier_toml,
                      const Environment& extra_env = {}, bool await = true) {
    auto& node = nodes.at(country);
    std::vector<const TestNode*> peers;
    for (auto& [other, peer] : nodes) {
      if (other != country) peers.push_back(&peer);
    }
    auto config = node.dir / "notifier.toml";
    TestNode copy = node;
    copy.config_file = config;
    write_config(copy, peers, {broker, portal, watcher, other_portal},
                 "[limits]\nheartbeat_ms = 200\n" + notifier_toml);
    notifiers[country] = std::make_unique<Process>(
        launched(country, {binary("gosmart-notifier").string(), "--config", config.string()}),
        dir.path() / (country + "-notifier.log"), extra_env);
    if (!await) return;
    await_health(node.notifier.api, notifier_key(country), 30s, "notifier " + country);
  }
  // Starts the node's audit on a copy of its config that names it (and the
  // notifier, if the node has one) and the peers' audits (its witnesses), with
  // `audit_toml` appended (an [audit] table), and waits until it answers.
  void start_audit(const std::string& country, const Environment& extra_env = {},
                   const std::string& audit_toml = {}) {
    auto& node = nodes.at(country);
    std::vector<const TestNode*> peers;
    for (auto& [other, peer] : nodes) {
      if (other != country) peers.push_back(&peer);
    }
    TestNode copy = node;
    copy.config_file = node.dir / "audit.toml";
    copy.with_audit = true;
    write_config(copy, peers, {broker, portal, watcher, other_portal},
                 "[limits]\nheartbeat_ms = 200\n" + audit_toml, true);
    audits[country] = std::make_unique<Process>(
        launched(country,
                 {binary("gosmart-audit").string(), "--config", copy.config_file.string()}),
        dir.path() / (country + "-audit.log"), extra_env);
    await_health(node.audit.api, key(country), 30s, "audit " + country);
  }
  std::map<std::string, std::unique_ptr<Process>> audits;  // gosmart-audit, if started

  const std::string& notifier_key(const std::string& country) {
    return nodes.at(country).notifier_keys.keys.public_key;
  }
  void start(const std::string& country, const Environment& extra_env = {}) {
    processes[country] = std::make_unique<Process>(
        launched(country, {binary("gosmart-registry").string(), "--config",
                           nodes.at(country).config_file.string()}),
        dir.path() / (country + ".log"), extra_env);
  }

  // Waits until the registry of `country` answers health requests.
  void await(const std::string& country) {
    await_health(nodes.at(country).registry.api, key(country), 15s, "registry " + country);
  }

  const std::string& key(const std::string& country) {
    return nodes.at(country).keys.keys.public_key;
  }

  // Sends one request; returns the raw reply bytes (empty on timeout).
  // Requests of type "matching.*" go to the node's matching service, "notifier.*" to
  // its notifier, "audit.*" to its audit.
  template <class Payload, class Fill>
  std::string call_raw(const std::string& country, const TestClient& who, const std::string& type,
                       Fill&& fill) {
    EnvelopeBuilder request(country, wire::Service::CTL, type);
    fill(request.init_payload<Payload>());
    ApiClient client(who.keys);
    const auto& node = nodes.at(country);
    bool to_notifier = type.rfind("notifier.", 0) == 0;
    const auto& endpoint = to_notifier                       ? node.notifier.api
                           : type.rfind("matching.", 0) == 0 ? node.matching.api
                           : type.rfind("audit.", 0) == 0    ? node.audit.api
                                                             : node.registry.api;
    auto reply = client.exchange(endpoint, to_notifier ? notifier_key(country) : key(country),
                                 {request.encode()}, 5s);
    return reply.size() == 1 ? reply[0] : std::string();
  }

  template <class Payload, class Fill>
  DecodedEnvelope call(const std::string& country, const TestClient& who, const std::string& type,
                       Fill&& fill) {
    auto bytes = call_raw<Payload>(country, who, type, std::forward<Fill>(fill));
    ensure(!bytes.empty(), type + " to " + country + ": no reply");
    auto decoded = decode_envelope({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
    ensure(decoded.ok(), type + " to " + country + ": reply unreadable");
    return std::move(decoded).value();
  }
};

inline void fill_org(wire::Organisation::Builder org) {
  org.setLegalName("Optika Gdańsk sp. z o.o.");
  org.setCountry("PL");
  org.setRegion("PL63");
  org.setCity("Gdańsk");
  org.setType(wire::OrgType::SME);
  org.setHeadcount(24);
  org.setTurnoverEur(3'500'000);
  auto nace = org.initNaceCodes(1);
  nace.set(0, "26.70");
  org.initDomains(1).set(0, "photonics");
  auto languages = org.initLanguages(2);
  languages.set(0, "pl");
  languages.set(1, "en");
  auto contact = org.initContacts(1)[0];
  contact.setName("Anna Nowak");
  contact.setEmail("anna.nowak@optika.example.pl");
  contact.setPhone("+48 58 123 45 67");
}

inline void fill_profile(wire::Profile::Builder p, const std::string& owner) {
  p.setOwnerId(owner);
  p.setKind(wire::ProfileKind::TECHNOLOGY_OFFER);
  p.setTitle("Anti-reflective coatings for thermal cameras");
  p.setSummary("A coating process that cuts reflection losses in the 8-14 um band.");
  p.setExpiresOn(testing::iso_day(365));
  p.initNaceCodes(1).set(0, "26.70");
  p.initDomains(1).set(0, "photonics");
  p.initTargetCountries(2).set(0, "FI");
  p.getTargetCountries().set(1, "DK");
}

// Submits and publishes a profile of `owner` in the domain advanced-manufacturing,
// NACE 26.70, expiring in a year; its id.
inline std::string publish(Federation& f, const std::string& country, const std::string& owner,
                           wire::ProfileKind kind, const std::string& title,
                           const std::string& summary, int days_shown = 365) {
  auto submitted =
      f.call<wire::ProfileWrite>(country, f.broker, "registry.profile.submit", [&](auto w) {
        auto p = w.initProfile();
        p.setOwnerId(owner);
        p.setKind(kind);
        p.setTitle(title);
        p.setSummary(summary);
        p.setExpiresOn(testing::iso_day(days_shown));
        p.initNaceCodes(1).set(0, "26.70");
        p.initDomains(1).set(0, "advanced-manufacturing");
      });
  ensure(submitted.header().type == "registry.profile.reply", "submission refused");
  std::string id = submitted.payload<wire::ProfileReply>().getProfile().getId();
  auto published = f.call<wire::ProfileTransition>(
      country, f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
      });
  ensure(published.header().type == "registry.profile.reply", "publication refused");
  return id;
}

}  // namespace gosmart::testing
