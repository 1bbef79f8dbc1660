// The notifier against a real SMTP server the test starts (aiosmtpd): a match
// between PL and FI mails each side's consenting contact in its own language, with
// the headers an SME's mail client and a relay expect; one-click unsubscribe stops
// the next alert; a relay that refuses, then is down, leads to retries and a dead
// letter that an operator sends again once it is back.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <regex>

#include "schemas/notifier.capnp.h"
#include "services/notifier/domain/webhook.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/registry_federation.hpp"
#include "tests/support/time_scale.hpp"

using namespace gosmart;
using namespace gosmart::testing;
using Kind = wire::ProfileKind;

namespace {

struct ContactSpec {
  std::string name, email, language;
  bool consent = true;
};

std::string register_org(Federation& f, const std::string& country, const std::string& legal_name,
                         const std::vector<ContactSpec>& contacts,
                         const TestClient* who = nullptr) {
  auto reply =
      f.call<wire::OrgWrite>(country, who ? *who : f.broker, "registry.org.register", [&](auto w) {
        auto org = w.initOrganisation();
        fill_org(org);
        org.setLegalName(legal_name);
        org.setCountry(country);
        org.setRegion(country == "PL" ? "PL63" : "FI1B");
        org.setCity(country == "PL" ? "Gdańsk" : "Tampere");
        org.initDomains(1).set(0, "advanced-manufacturing");
        auto list = org.initContacts(static_cast<unsigned>(contacts.size()));
        for (unsigned i = 0; i < contacts.size(); ++i) {
          list[i].setName(contacts[i].name);
          list[i].setEmail(contacts[i].email);
          list[i].setPreferredLanguage(contacts[i].language);
          if (contacts[i].consent) {
            auto consent = list[i].initConsents(1)[0];
            consent.setPurpose("notifications");
            consent.setTextVersion("2026-01");
            consent.setChannel("email");
            consent.setGrantedAtUs(now_us() - 1'000'000);
          }
        }
      });
  REQUIRE(reply.header().type == "registry.org.reply");
  return reply.payload<wire::OrgReply>().getOrganisation().getId();
}

std::string notifier_toml(const Federation& f, const std::string& country, const SmtpServer& smtp,
                          const std::string& extra = "") {
  const auto& node = f.nodes.at(country);
  std::string lower = country == "PL" ? "pl" : "fi";
  return "[notifier]\nsmtp_url = \"smtp://127.0.0.1:" + std::to_string(smtp.port()) +
         "\"\nfrom = \"gosmart@" + lower + ".example\"\nreply_to = \"broker@" + lower +
         ".example\"\nlink_port = " + std::to_string(node.notifier_link_port) + "\ntemplates = \"" +
         GOSMART_TEST_SUPPORT_DIR + "/../../services/notifier/templates\"\n" + extra;
}

const char* kRequestTitle = "Machine vision for weld inspection";
const char* kRequestSummary =
    "We need an automated optical inspection system that finds defects in welded seams of "
    "steel frames on our production line.";
const char* kOfferTitle = "Optical weld inspection with machine vision";
const char* kOfferSummary =
    "Our camera system detects seam defects automatically, for steel fabrication and "
    "production lines.";
const char* kSecondOfferTitle = "Weld seam inspection cameras for steel frames";

// Submits and publishes a profile as an operator does, with gosmartctl (the broker's
// key in files beside the node's config); its id.
std::string publish_with_ctl(Federation& f, const std::string& country, const std::string& owner,
                             const std::string& kind, const std::string& title,
                             const std::string& summary) {
  auto keys = f.dir.path() / "broker-key";
  if (!std::filesystem::exists(keys.string() + ".secret")) {
    std::ofstream(keys.string() + ".public") << f.broker.keys.public_key << "\n";
    std::ofstream(keys.string() + ".secret") << f.broker.keys.secret_key << "\n";
  }
  nlohmann::json profile = {{"kind", kind},
                            {"title", title},
                            {"summary", summary},
                            {"naceCodes", {"26.70"}},
                            {"domains", {"advanced-manufacturing"}},
                            {"expiresOn", iso_day(365)}};
  auto ctl = [&](std::vector<std::string> args, const std::string& name) {
    std::vector<std::string> argv = {binary("gosmartctl").string(),
                                     "--config",
                                     f.nodes.at(country).config_file.string(),
                                     "--key",
                                     keys.string(),
                                     "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto out = f.dir.path() / (name + ".out");
    Process tool(argv, out);
    int exit = tool.wait(30s);
    auto text = tool.log();
    INFO(text);
    REQUIRE(exit == 0);
    return nlohmann::json::parse(text);
  };
  auto submitted = ctl({"profile", "submit", "--owner", owner, "--data", profile.dump()},
                       "submit-" + country + "-" + kind);
  std::string id = submitted["profile"]["id"];
  auto published = ctl({"profile", "publish", id}, "publish-" + id);
  REQUIRE(published["profile"]["status"] == "published");
  return id;
}

// The status line a POST without Content-Length (and without a body) is answered with.
std::string bare_post(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  auto to = loopback(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char buffer[512];
  timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) reply.append(buffer, n);
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

wire::Contact::Reader contact_of(const DecodedEnvelope& org_reply, const std::string& email) {
  for (auto c : org_reply.payload<wire::OrgReply>().getOrganisation().getContacts()) {
    if (std::string(c.getEmail()) == email) return c;
  }
  throw std::runtime_error("no contact " + email);
}

}  // namespace

TEST_CASE(
    "a PL-FI match mails each side's consenting contact in its language and one click "
    "stops the next",
    "[system][notifier]") {
  Federation f({"PL", "FI"}, true, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  f.start_notifier("PL", notifier_toml(f, "PL", smtp));
  f.start_notifier("FI", notifier_toml(f, "FI", smtp));

  const std::string anna = "anna.nowak@optika.example.pl";
  const std::string piotr = "piotr.zielinski@optika.example.pl";  // no consent recorded
  const std::string mikko = "mikko.virtanen@konenako.example.fi";
  auto pl_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.",
                   {{"Anna Nowak", anna, "pl", true}, {"Piotr Zieliński", piotr, "pl", false}});
  auto fi_org =
      register_org(f, "FI", "Konenäkö Tampere Oy", {{"Mikko Virtanen", mikko, "fi", true}});
  // Published by an operator with gosmartctl, as on a real node.
  publish_with_ctl(f, "FI", fi_org, "technologyOffer", kOfferTitle, kOfferSummary);
  publish_with_ctl(f, "PL", pl_org, "technologyRequest", kRequestTitle, kRequestSummary);

  // Each node's notifier tells its own side, once.
  REQUIRE(eventually([&] { return mails_to(smtp, anna, "match_found").size() == 1; }, 30s));
  REQUIRE(eventually([&] { return mails_to(smtp, mikko, "match_found").size() == 1; }, 30s));
  auto to_anna = mails_to(smtp, anna, "match_found")[0];
  auto to_mikko = mails_to(smtp, mikko, "match_found")[0];
  CHECK(to_anna.header("Content-Language") == "pl");
  CHECK(to_mikko.header("Content-Language") == "fi");
  CHECK(to_anna.header("From").find("gosmart@pl.example") != std::string::npos);
  CHECK(to_anna.header("Reply-To").find("broker@pl.example") != std::string::npos);
  CHECK(to_mikko.header("Reply-To").find("broker@fi.example") != std::string::npos);
  CHECK(std::regex_match(to_anna.header("Message-ID"), std::regex("<[0-9a-f]{32}@pl\\.example>")));
  CHECK(to_anna.header("Message-ID") != to_mikko.header("Message-ID"));
  CHECK(to_anna.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click");
  CHECK(to_anna.header("Content-Type").find("multipart/alternative") != std::string::npos);
  // The partner is described by its public profile: its title, never its name.
  CHECK(to_anna.decoded().find(kOfferTitle) != std::string::npos);
  CHECK(to_mikko.decoded().find(kRequestTitle) != std::string::npos);
  CHECK(to_anna.raw.find("Konen") == std::string::npos);
  CHECK(to_anna.decoded().find("Konenäkö") == std::string::npos);
  CHECK(to_mikko.decoded().find("Optika") == std::string::npos);
  // No consent to alerts, no alert; the transactional message of the organisation's
  // own publication reaches every contact.
  CHECK(mails_to(smtp, piotr, "match_found").empty());
  CHECK(eventually([&] { return mails_to(smtp, piotr, "profile_published").size() == 1; }, 10s));

  // The link in List-Unsubscribe: a GET only shows a page (mail scanners follow
  // links), the one-click POST withdraws the consent in the registry.
  std::smatch link;
  std::string header = to_anna.header("List-Unsubscribe");
  REQUIRE(
      std::regex_search(header, link, std::regex("<http://127\\.0\\.0\\.1:([0-9]+)(/u/[^>]+)>")));
  httplib::Client http("127.0.0.1", std::stoi(link[1].str()));
  auto shown = http.Get(link[2].str());
  REQUIRE(shown);
  CHECK(shown->status == 200);
  CHECK(shown->get_header_value("X-Frame-Options") == "DENY");
  CHECK(shown->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'") !=
        std::string::npos);
  CHECK(shown->get_header_value("Referrer-Policy") == "no-referrer");
  CHECK(shown->body.find("<form method=\"post\">") != std::string::npos);
  {
    // Clients that connect and say nothing (a slow or hostile one) do not take the
    // page from others (outside findings: a few idle connections held every worker).
    std::vector<int> idle;
    for (int i = 0; i < 24; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      auto to = loopback(std::stoi(link[1].str()));
      REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
      idle.push_back(fd);
    }
    std::this_thread::sleep_for(200ms);
    auto asked = std::chrono::steady_clock::now();
    httplib::Client other("127.0.0.1", std::stoi(link[1].str()));
    other.set_read_timeout(20, 0);
    auto page = other.Get(link[2].str());
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(std::chrono::steady_clock::now() - asked < 1500ms);
    for (int fd : idle) ::close(fd);
  }
  auto before =
      f.call<wire::OrgGet>("PL", f.broker, "registry.org.get", [&](auto g) { g.setId(pl_org); });
  CHECK(contact_of(before, anna).getConsents()[0].getWithdrawnAtUs() == 0);
  auto forged = http.Post(link[2].str() + "x", "List-Unsubscribe=One-Click",
                          "application/x-www-form-urlencoded");
  REQUIRE(forged);
  CHECK(forged->status == 400);
  auto clicked =
      http.Post(link[2].str(), "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
  REQUIRE(clicked);
  CHECK(clicked->status == 200);
  auto after =
      f.call<wire::OrgGet>("PL", f.broker, "registry.org.get", [&](auto g) { g.setId(pl_org); });
  CHECK(contact_of(after, anna).getConsents()[0].getWithdrawnAtUs() > 0);
  // Again (a second click, a mail scanner's repeat): said so, not counted again
  // (outside findings: each repeat counted a new unsubscribe).
  auto repeated =
      http.Post(link[2].str(), "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
  REQUIRE(repeated);
  CHECK(repeated->status == 200);
  CHECK(repeated->body.find("already") != std::string::npos);
  // The page a GET shows says so too, without a form (outside findings: it offered
  // to stop what was stopped).
  auto shown_after = http.Get(link[2].str());
  REQUIRE(shown_after);
  CHECK(shown_after->status == 200);
  CHECK(shown_after->body.find("already") != std::string::npos);
  CHECK(shown_after->body.find("<form") == std::string::npos);
  // In the reader's language when the browser asks for one of the network's.
  auto in_polish = http.Get(link[2].str(), {{"Accept-Language", "pl-PL,pl;q=0.9,en;q=0.5"}});
  REQUIRE(in_polish);
  CHECK(in_polish->body.find("<html lang=\"pl\">") != std::string::npos);
  CHECK(in_polish->body.find("Rezygnacja została już zapisana") != std::string::npos);
  // A bare POST (no Content-Length, no body) is a click too (outside findings: 400).
  CHECK(bare_post(std::stoi(link[1].str()), link[2].str()) == "HTTP/1.1 200 OK");

  // A second FI offer: Mikko hears of it, Anna no longer does.
  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kSecondOfferTitle, kOfferSummary);
  REQUIRE(eventually([&] { return mails_to(smtp, mikko, "match_found").size() == 2; }, 30s));
  std::this_thread::sleep_for(2s);
  CHECK(mails_to(smtp, anna, "match_found").size() == 1);
  CHECK(mails_to(smtp, piotr, "match_found").empty());

  // The notifier's outbox is empty and its figures say what it did.
  ApiClient client(f.watcher.keys);
  auto health = client.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
  REQUIRE(health);
  CHECK(health->metric("notifier.queue_length") == 0);
  CHECK(health->metric("notifier.sent") >= 1);
  CHECK(health->metric("notifier.unsubscribed") == 1);

  // Mikko unsubscribes while FI's registry is down: kept by the notifier, answered
  // as done, and passed on once the registry is back (outside findings: 503, lost).
  header = to_mikko.header("List-Unsubscribe");
  REQUIRE(
      std::regex_search(header, link, std::regex("<http://127\\.0\\.0\\.1:([0-9]+)(/u/[^>]+)>")));
  f.processes.at("FI")->kill_hard();
  httplib::Client fi_http("127.0.0.1", std::stoi(link[1].str()));
  fi_http.set_read_timeout(10, 0);
  auto while_down = fi_http.Post(link[2].str(), "List-Unsubscribe=One-Click",
                                 "application/x-www-form-urlencoded");
  REQUIRE(while_down);
  CHECK(while_down->status == 200);
  // Further clicks while it is away are kept at once, not after a timeout each
  // (outside findings: 1.5 s each, one after another).
  auto clicks_started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    auto again = fi_http.Post(link[2].str(), "List-Unsubscribe=One-Click",
                              "application/x-www-form-urlencoded");
    REQUIRE(again);
    CHECK(again->status == 200);
    // Kept once, counted once (outside findings: each click counted).
    CHECK(again->body.find("already") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - clicks_started < 2s);
  // Opening the link again says it is done, not the form (outside findings: with the
  // registry away the page offered to stop alerts again).
  auto page_while_down = fi_http.Get(link[2].str());
  REQUIRE(page_while_down);
  CHECK(page_while_down->status == 200);
  CHECK(page_while_down->body.find("already") != std::string::npos);
  CHECK(page_while_down->body.find("<form") == std::string::npos);
  f.start("FI");
  f.await("FI");
  auto mikko_withdrawn = [&] {
    auto now =
        f.call<wire::OrgGet>("FI", f.broker, "registry.org.get", [&](auto g) { g.setId(fi_org); });
    return now.header().type == "registry.org.reply" &&
           contact_of(now, mikko).getConsents()[0].getWithdrawnAtUs() > 0;
  };
  CHECK(eventually(mikko_withdrawn, 15s));
}

TEST_CASE("a relay that refuses and then is down leaves a dead letter an operator sends again",
          "[system][notifier]") {
  Federation f({"PL", "FI"}, true, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  smtp.refuse(true);
  f.start_notifier("PL", notifier_toml(f, "PL", smtp,
                                       "max_attempts = 3\nretry_base_ms = 100\nretry_cap_ms = 300\n"
                                       "give_up_after_s = 0\n"));
  const std::string anna = "anna.nowak@optika.example.pl";
  auto pl_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "pl", true}});
  auto fi_org = register_org(f, "FI", "Konenäkö Tampere Oy",
                             {{"Mikko Virtanen", "mikko@konenako.example.fi", "fi", true}});
  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  publish(f, "PL", pl_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);

  auto dead_letters = [&](const TestClient& who) {
    return f.call<wire::OutboxQuery>("PL", who, "notifier.outbox.list",
                                     [](auto q) { q.setDead(true); });
  };
  // Refused for now (451) three times: a dead letter, with the relay's code.
  REQUIRE(eventually(
      [&] { return dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 2; },
      30s));
  // Anna's two: the publication of her organisation's profile and the match.
  auto page = dead_letters(f.broker);
  auto items = page.payload<wire::OutboxPage>().getItems();
  auto item = std::string(items[0].getKind()) == "match_found" ? items[0] : items[1];
  std::string key = item.getKey();
  CHECK(std::string(item.getRecipient()) == anna);
  CHECK(std::string(item.getLastError()).find("451") != std::string::npos);
  CHECK(std::string(item.getKind()) == "match_found");
  CHECK(item.getAttempts() == 3);  // kept with the message (outside findings: shown as 0)
  // A monitor sees the letter without its address, and may not send it again.
  auto seen = dead_letters(f.watcher).payload<wire::OutboxPage>().getItems();
  REQUIRE(seen.size() == 2);
  CHECK(std::string(seen[0].getRecipient()).empty());
  auto refused = f.call<wire::DeadLetterAction>("PL", f.watcher, "notifier.dead.retry",
                                                [&](auto a) { a.setKey(key); });
  CHECK(refused.header().type == "error");
  CHECK(mails_to(smtp, anna, "match_found").empty());

  // The relay is down: the operator's retry waits with its lane, tried again and
  // again without using up its attempts (outside findings: a relay outage made dead
  // letters), and is delivered once the relay is back, with the same Message-ID.
  smtp.stop();
  smtp.refuse(false);
  ApiClient monitor(f.watcher.keys);
  auto metric = [&](const char* name) {
    auto health = monitor.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
    return health ? health->metric(name) : -1.0;
  };
  double failed_before = metric("notifier.failed");
  auto retried = f.call<wire::DeadLetterAction>("PL", f.broker, "notifier.dead.retry",
                                                [&](auto a) { a.setKey(key); });
  REQUIRE(retried.header().type == "notifier.outbox.page");
  CHECK(dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 1);
  REQUIRE(eventually([&] { return metric("notifier.failed") >= failed_before + 4; }, 30s));
  CHECK(dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 1);
  {
    auto pending = f.call<wire::OutboxQuery>("PL", f.broker, "notifier.outbox.list",
                                             [](auto q) { q.setDead(false); });
    auto waiting = pending.payload<wire::OutboxPage>().getItems();
    REQUIRE(waiting.size() == 1);
    CHECK(std::string(waiting[0].getKey()) == key);
    CHECK(waiting[0].getAttempts() == 0);
    CHECK(std::string(waiting[0].getLastError()).find("not counted") != std::string::npos);
  }

  // Back up: the message waiting goes, with the same Message-ID as ever.
  smtp.start();
  REQUIRE(eventually([&] { return mails_to(smtp, anna, "match_found").size() == 1; }, 30s));
  CHECK(dead_letters(f.broker).payload<wire::OutboxPage>().getDead() == 1);
  auto unknown = f.call<wire::DeadLetterAction>("PL", f.broker, "notifier.dead.drop",
                                                [&](auto a) { a.setKey("no-such-key"); });
  CHECK(unknown.header().type == "error");

  // A second match waits as a dead letter; Anna then withdraws her consent: the
  // operator's retry does not send it (outside findings: it did), nor does it come
  // back as a dead letter.
  smtp.refuse(true);
  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kSecondOfferTitle, kOfferSummary);
  REQUIRE(eventually(
      [&] { return dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 2; },
      30s));
  std::string second_key;
  auto letters = dead_letters(f.broker);  // alive while its items are read
  for (auto waiting : letters.payload<wire::OutboxPage>().getItems()) {
    if (std::string(waiting.getKind()) == "match_found") second_key = waiting.getKey();
  }
  REQUIRE_FALSE(second_key.empty());
  CHECK(second_key != key);
  smtp.refuse(false);
  auto withdrawn =
      f.call<wire::ContactPreferences>("PL", f.broker, "registry.contact.preferences", [&](auto p) {
        p.setOrganisationId(pl_org);
        p.setContactEmail("Anna.Nowak@optika.example.pl");
        p.setWithdrawConsent("notifications");
      });
  REQUIRE(withdrawn.header().type == "registry.org.reply");
  std::this_thread::sleep_for(1s);  // longer than the notifier reuses what it read
  retried = f.call<wire::DeadLetterAction>("PL", f.broker, "notifier.dead.retry",
                                           [&](auto a) { a.setKey(second_key); });
  REQUIRE(retried.header().type == "notifier.outbox.page");
  REQUIRE(eventually([&] { return metric("notifier.suppressed") == 1; }, 10s));
  CHECK(mails_to(smtp, anna, "match_found").size() == 1);
  CHECK(dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 1);
  // What happened, newest first, for a monitor too: outcomes, never an address.
  auto history = f.call<wire::OutboxQuery>("PL", f.watcher, "notifier.deliveries.list",
                                           [](auto q) { q.setLimit(100); });
  REQUIRE(history.header().type == "notifier.deliveries.page");
  std::vector<std::string> outcomes;
  for (auto e : history.payload<wire::DeliveryPage>().getEvents()) {
    outcomes.push_back(e.getOutcome());
  }
  REQUIRE_FALSE(outcomes.empty());
  CHECK(outcomes.front() == "suppressed");  // the latest
  for (const char* outcome : {"dead", "retried", "sent", "suppressed"}) {
    CHECK(std::count(outcomes.begin(), outcomes.end(), outcome) >= 1);
  }
  auto raw = history.bytes();
  CHECK(std::string(raw.begin(), raw.end()).find("anna") == std::string::npos);

  // Erasure: the dead letter left and the message sent leave every file of the node
  // (outside findings: the notifier's WAL and SSTs kept the rendered messages).
  REQUIRE_FALSE(files_holding(f.nodes.at("PL").dir / "data" / "notifier", anna).empty());
  auto erased = f.call<wire::OrgErase>("PL", f.broker, "registry.org.erase", [&](auto e) {
    e.setId(pl_org);
    e.setReason("GDPR art. 17 request");
  });
  REQUIRE(erased.header().type == "registry.org.erased.reply");
  std::vector<std::string> left;
  bool clean = eventually(
      [&] {
        left = files_holding(f.nodes.at("PL").dir, anna);
        return left.empty();
      },
      60s);
  for (const auto& file : left) UNSCOPED_INFO("address still in " << file);
  CHECK(clean);
  CHECK(dead_letters(f.broker).payload<wire::OutboxPage>().getItems().size() == 0);
}

TEST_CASE("a mailbox that keeps failing holds back no other recipient's mail",
          "[system][notifier]") {
  // Outside findings: one recipient that failed held every other message at 0 tries
  // for its whole back-off. One lane (concurrency 1), so both recipients share it.
  Federation f({"PL", "FI"}, true, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  const std::string jan = "jan.kowalski@stal.example.pl";
  const std::string anna = "anna.nowak@optika.example.pl";
  // Jan's mailbox stalls after his message's DATA (the send times out after 2 s),
  // which also checks that the next message does not go out on that dead
  // connection (outside findings: it did, failed with no reply, and waited out a
  // back-off).
  smtp.stall_recipient(jan, true);
  f.start_notifier("PL", notifier_toml(f, "PL", smtp,
                                       "concurrency = 1\nmax_attempts = 5\nsend_timeout_s = 2\n"
                                       "retry_base_ms = 20000\nretry_cap_ms = 40000\n"));
  auto jan_org = register_org(f, "PL", "Stal Gdańsk S.A.", {{"Jan Kowalski", jan, "pl", true}});
  publish(f, "PL", jan_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  auto jan_tries = [&] {
    auto page = f.call<wire::OutboxQuery>("PL", f.broker, "notifier.outbox.list",
                                          [](auto q) { q.setDead(false); });
    uint32_t tries = 0;
    for (auto item : page.payload<wire::OutboxPage>().getItems()) {
      if (std::string(item.getRecipient()) == jan) tries = std::max(tries, item.getAttempts());
    }
    return tries;
  };
  REQUIRE(eventually([&] { return jan_tries() >= 1; }, scaled(30s)));
  // Given up after send_timeout_s, not twice it: closing the stalled connection
  // does not wait on a QUIT too (outside findings: it did, 10 s with 5).
  {
    auto stalls = smtp.stalls();
    REQUIRE(stalls.size() == 1);
    auto since_stall =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
        stalls[0];
    CHECK(since_stall < std::chrono::duration<double>(2s + scaled(1500ms)).count());
  }

  // Jan's message waits 10-20 s before its next try; Anna's goes now.
  auto anna_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "pl", true}});
  publish(f, "PL", anna_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);
  CHECK(eventually([&] { return mails_to(smtp, anna, "profile_published").size() == 1; },
                   scaled(8s)));
  CHECK(mails_to(smtp, jan).empty());
  CHECK(jan_tries() == 1);
  // The outbox says when Jan's is tried next (outside findings: not shown).
  {
    auto page = f.call<wire::OutboxQuery>("PL", f.broker, "notifier.outbox.list",
                                          [](auto q) { q.setDead(false); });
    int64_t next_try = 0;
    for (auto item : page.payload<wire::OutboxPage>().getItems()) {
      if (std::string(item.getRecipient()) == jan) next_try = item.getNextTryUs();
    }
    CHECK(next_try > now_us());
    CHECK(next_try < now_us() + 25'000'000);
  }

  // Jan's mailbox takes mail again: his message goes at its next try, once.
  smtp.stall_recipient(jan, false);
  REQUIRE(eventually([&] { return mails_to(smtp, jan, "profile_published").size() == 1; },
                     scaled(60s)));
  std::this_thread::sleep_for(1s);
  CHECK(mails_to(smtp, jan).size() == 1);
}

TEST_CASE("a notifier asked to stop while a send stalls stops within seconds",
          "[system][notifier]") {
  // Outside findings: SIGTERM waited out the stalled send, send_timeout_s (30 s by
  // default), so a restart during a relay's stall hung or was killed.
  Federation f({"PL"}, false, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  const std::string jan = "jan.kowalski@stal.example.pl";
  smtp.stall_recipient(jan, true);
  f.start_notifier("PL", notifier_toml(f, "PL", smtp, "send_timeout_s = 30\n"));
  auto jan_org = register_org(f, "PL", "Stal Gdańsk S.A.", {{"Jan Kowalski", jan, "pl", true}});
  publish(f, "PL", jan_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  REQUIRE(eventually([&] { return !smtp.stalls().empty(); }, scaled(30s)));
  auto asked = std::chrono::steady_clock::now();
  f.notifiers.at("PL")->signal(SIGTERM);
  CHECK(f.notifiers.at("PL")->wait(scaled(10s)) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < scaled(5s));
}

TEST_CASE("a relay that stalls before any recipient is named holds its lane",
          "[system][notifier]") {
  // Outside findings: a relay stalling in MAIL FROM was taken for one recipient's
  // failure, so each waiting message was tried, parked and used up its attempts in
  // turn. Its last reply is EHLO's 250, as a stall in RCPT TO follows MAIL's 250:
  // only the command waited on tells them apart. One lane, two recipients.
  Federation f({"PL"}, true, "", {}, true);  // with matching: a healthy node
  SmtpServer smtp(f.dir.path() / "mail");
  smtp.stall_mail_from(true);
  f.start_notifier("PL", notifier_toml(f, "PL", smtp,
                                       "concurrency = 1\nmax_attempts = 8\nsend_timeout_s = 1\n"
                                       "retry_base_ms = 1500\nretry_cap_ms = 1500\n"));
  {
    ApiClient watcher(f.watcher.keys);
    REQUIRE(eventually(
        [&] {
          auto health = watcher.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
          return health && health->healthy;
        },
        scaled(20s)));  // healthy before the relay fails, so the check below means something
  }
  const std::string jan = "jan.kowalski@stal.example.pl";
  const std::string anna = "anna.nowak@optika.example.pl";
  auto jan_org = register_org(f, "PL", "Stal Gdańsk S.A.", {{"Jan Kowalski", jan, "pl", true}});
  auto anna_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "pl", true}});
  publish(f, "PL", jan_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  publish(f, "PL", anna_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);
  auto pending = [&] {
    return f.call<wire::OutboxQuery>("PL", f.broker, "notifier.outbox.list",
                                     [](auto q) { q.setDead(false); });
  };
  ApiClient monitor(f.watcher.keys);
  auto metric = [&](const char* name) {
    auto health = monitor.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
    return health ? health->metric(name) : -1.0;
  };
  // The first message is tried again and again; the other waits untried behind it.
  // Neither uses up attempts: the relay's failure is not the message's (outside
  // findings: a relay outage made dead letters of the messages in turn).
  REQUIRE(eventually([&] { return metric("notifier.failed") >= 3; }, scaled(40s)));
  CHECK(metric("notifier.relay_failing") >= 3);
  // And the notifier says it is not healthy, which `gosmartctl status` reports
  // (outside findings: "healthy" through a relay outage of any length).
  {
    auto health = monitor.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
    REQUIRE(health);
    CHECK_FALSE(health->healthy);
  }
  auto last = pending();
  auto items = last.payload<wire::OutboxPage>().getItems();
  REQUIRE(items.size() == 2);
  int failed_before = 0;
  for (auto item : items) {
    CHECK(item.getAttempts() == 0);
    std::string error = item.getLastError();
    if (error.empty()) continue;
    ++failed_before;
    CHECK(error.find("waiting on MAIL FROM") != std::string::npos);
    CHECK(error.find("not counted") != std::string::npos);
  }
  CHECK(failed_before == 1);
  CHECK(metric("notifier.dead_letters") == 0);
  // The relay answers again: both go, once each.
  smtp.stall_mail_from(false);
  REQUIRE(eventually(
      [&] {
        return mails_to(smtp, jan, "profile_published").size() == 1 &&
               mails_to(smtp, anna, "profile_published").size() == 1;
      },
      scaled(30s)));
  CHECK(pending().payload<wire::OutboxPage>().getItems().size() == 0);
  CHECK(metric("notifier.relay_failing") == 0);
  CHECK(monitor.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s)->healthy);
}

TEST_CASE("an expiry reminder reaches the consenting contact and its link renews for a year",
          "[system][notifier]") {
  Federation f({"PL"}, false, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  // Days are counted in the notifier's zone (PL: Europe/Warsaw), and the test's
  // "today" is UTC's: between 23:00 and 24:00 UTC Warsaw is a day ahead and tells
  // 19 days. The notifier here counts in UTC, as the test does.
  f.start_notifier("PL", notifier_toml(f, "PL", smtp, "time_zone = \"UTC\"\n"));
  const std::string anna = "anna.nowak@optika.example.pl";
  auto org = register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "en", true}});
  // Shown for 20 more days: the 30-day reminder is due at once and tells 20 days.
  auto profile =
      publish(f, "PL", org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary, /*days_shown=*/20);
  REQUIRE(eventually([&] { return mails_to(smtp, anna, "profile_expiring").size() == 1; }, 30s));
  auto mail = mails_to(smtp, anna, "profile_expiring")[0];
  CHECK(mail.decoded().find("20 days") != std::string::npos);
  CHECK(mail.decoded().find(testing::iso_day(20).substr(0, 4)) != std::string::npos);
  std::smatch link;
  std::string text = mail.decoded();
  REQUIRE(std::regex_search(text, link,
                            std::regex("http://127\\.0\\.0\\.1:([0-9]+)(/r/[A-Za-z0-9_.\\-]+)")));
  httplib::Client http("127.0.0.1", std::stoi(link[1].str()));
  auto shown = http.Get(link[2].str());
  REQUIRE(shown);
  CHECK(shown->status == 200);
  auto expiry = [&] {
    auto got = f.call<wire::ProfileGet>("PL", f.broker, "registry.profile.get",
                                        [&](auto g) { g.setId(profile); });
    REQUIRE(got.header().type == "registry.profile.reply");
    return std::string(got.payload<wire::ProfileReply>().getProfile().getExpiresOn());
  };
  CHECK(expiry() == testing::iso_day(20));  // a GET changes nothing
  auto forged = http.Post(link[2].str() + "x", "", "application/x-www-form-urlencoded");
  REQUIRE(forged);
  CHECK(forged->status == 400);
  auto renewed = http.Post(link[2].str(), "", "application/x-www-form-urlencoded");
  REQUIRE(renewed);
  CHECK(renewed->status == 200);
  CHECK(expiry() == testing::iso_day(365));
  // The link is good once: a second click changes nothing and republishes nothing.
  REQUIRE(eventually([&] { return !mails_to(smtp, anna, "profile_published").empty(); }, 10s));
  std::this_thread::sleep_for(2s);
  auto published_mails = mails_to(smtp, anna, "profile_published").size();
  auto again = http.Post(link[2].str(), "", "application/x-www-form-urlencoded");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->body.find("already renewed") != std::string::npos);
  // Nor does it undo a broker's longer extension.
  auto extended =
      f.call<wire::ProfileTransition>("PL", f.broker, "registry.profile.transition", [&](auto t) {
        t.setProfileId(profile);
        t.setAction(wire::ProfileTransition::Action::RENEW);
        t.setNewExpiry(testing::iso_day(600));
      });
  REQUIRE(extended.header().type == "registry.profile.reply");
  auto late = http.Post(link[2].str(), "", "application/x-www-form-urlencoded");
  REQUIRE(late);
  CHECK(late->status == 200);
  CHECK(expiry() == testing::iso_day(600));
  // The unsubscribe link of the same message does not renew, and vice versa.
  std::string header = mail.header("List-Unsubscribe");
  std::smatch unsubscribe;
  REQUIRE(std::regex_search(header, unsubscribe, std::regex("(/u/[^>]+)>")));
  auto crossed =
      http.Post("/r/" + unsubscribe[1].str().substr(3), "", "application/x-www-form-urlencoded");
  REQUIRE(crossed);
  CHECK(crossed->status == 400);
  // Renewed, the profile is published again with its new date: no reminder now.
  std::this_thread::sleep_for(6s);
  CHECK(mails_to(smtp, anna, "profile_expiring").size() == 1);
  // The broker's extension is a publication of its own; the repeated clicks added none.
  CHECK(mails_to(smtp, anna, "profile_published").size() <= published_mails + 1);
}

namespace {

// A partner portal's receiver on loopback: answers 503 to the first call, then 200,
// and keeps what each call carried.
struct HookReceiver {
  struct Call {
    std::string id, timestamp, signature, body;
    int status = 0;
  };
  httplib::Server server;
  std::thread thread;
  std::mutex mutex;
  std::vector<Call> calls;
  int port = 0;
  HookReceiver() {
    server.Post("/hooks/gosmart",
                [this](const httplib::Request& request, httplib::Response& response) {
                  std::lock_guard lock(mutex);
                  Call call{request.get_header_value("webhook-id"),
                            request.get_header_value("webhook-timestamp"),
                            request.get_header_value("webhook-signature"), request.body, 0};
                  call.status = calls.empty() ? 503 : 200;
                  response.status = call.status;
                  calls.push_back(call);
                });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~HookReceiver() {
    server.stop();
    thread.join();
  }
  std::vector<Call> seen() {
    std::lock_guard lock(mutex);
    return calls;
  }
};

}  // namespace

TEST_CASE("a portal's webhook arrives signed and is sent again with the same id until taken",
          "[system][notifier]") {
  Federation f({"PL", "FI"}, true, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  HookReceiver receiver;
  f.start_notifier(
      "PL",
      notifier_toml(f, "PL", smtp,
                    "webhook_url_prefixes = [\"http://127.0.0.1:" + std::to_string(receiver.port) +
                        "/hooks/\"]\nretry_base_ms = 100\nretry_cap_ms = 300\n"));
  auto pl_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.",
                   {{"Anna Nowak", "anna.nowak@optika.example.pl", "pl", true}}, &f.portal);
  auto fi_org = register_org(f, "FI", "Konenäkö Tampere Oy",
                             {{"Mikko Virtanen", "mikko@konenako.example.fi", "fi", true}});
  std::string url = "http://127.0.0.1:" + std::to_string(receiver.port) + "/hooks/gosmart";
  auto add = [&](const TestClient& who, const std::string& org, const std::string& where) {
    return f.call<wire::WebhookAdd>("PL", who, "notifier.webhook.add", [&](auto w) {
      w.setOrganisationId(org);
      w.setUrl(where);
    });
  };
  // Only under the operator's prefix, only by the portal managing the organisation.
  CHECK(add(f.portal, pl_org, "http://127.0.0.1:1/elsewhere").header().type == "error");
  std::string under = "http://127.0.0.1:" + std::to_string(receiver.port) + "/hooks/";
  CHECK(add(f.portal, pl_org, under + "../admin").header().type == "error");
  CHECK(add(f.portal, pl_org, under + "%2e%2e/admin").header().type == "error");
  CHECK(add(f.portal, pl_org,
            "http://127.0.0.1:" + std::to_string(receiver.port) + "@localhost/hooks/gosmart")
            .header()
            .type == "error");
  CHECK(add(f.other_portal, pl_org, url).header().type == "error");
  CHECK(add(f.watcher, pl_org, url).header().type == "error");
  auto added = add(f.portal, pl_org, url);
  REQUIRE(added.header().type == "notifier.webhook.reply");
  std::string secret = added.payload<wire::Webhook>().getSecret();
  std::string hook_id = added.payload<wire::Webhook>().getId();
  REQUIRE(secret.rfind("whsec_", 0) == 0);
  // Outside findings: the same endpoint again, or with a fragment (never sent), was
  // a second subscription and every message came twice.
  CHECK(add(f.portal, pl_org, url).header().type == "error");
  CHECK(add(f.portal, pl_org, url + "#again").header().type == "error");
  // Listed: the portal sees the one it added, the broker too, never with a secret;
  // another portal sees none of it; a monitor may not ask (the URLs are the portals').
  auto listed = [&](const TestClient& who) {
    return f.call<wire::WebhookList>("PL", who, "notifier.webhook.list",
                                     [&](auto w) { w.setOrganisationId(pl_org); });
  };
  for (const TestClient* who : {&f.portal, &f.broker}) {
    auto page = listed(*who);
    REQUIRE(page.header().type == "notifier.webhook.page");
    auto hooks = page.payload<wire::WebhookPage>().getWebhooks();
    REQUIRE(hooks.size() == 1);
    CHECK(std::string(hooks[0].getId()) == hook_id);
    CHECK(std::string(hooks[0].getUrl()) == url);
    CHECK(hooks[0].getSecret().size() == 0);
  }
  auto other_page = listed(f.other_portal);
  REQUIRE(other_page.header().type == "notifier.webhook.page");
  CHECK(other_page.payload<wire::WebhookPage>().getWebhooks().size() == 0);
  CHECK(listed(f.watcher).header().type == "error");

  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  publish(f, "PL", pl_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);
  auto of_type = [&](const std::string& type) {
    std::vector<HookReceiver::Call> out;
    for (const auto& call : receiver.seen()) {
      auto body = nlohmann::json::parse(call.body, nullptr, false);
      if (!body.is_discarded() && body.value("type", "") == type) out.push_back(call);
    }
    return out;
  };
  REQUIRE(eventually([&] { return of_type("gosmart.match_found").size() >= 1; }, 30s));
  // The first call was answered 503: the same message came again, with its id.
  REQUIRE(eventually(
      [&] {
        auto calls = receiver.seen();
        for (const auto& later : calls) {
          if (later.status == 200 && later.id == calls[0].id) return true;
        }
        return false;
      },
      30s));
  for (const auto& call : receiver.seen()) {
    CHECK(notifier::webhook_verify(secret, call.id, std::stoll(call.timestamp), call.body,
                                   call.signature, now_us() / 1'000'000));
    CHECK_FALSE(notifier::webhook_verify(secret, call.id, std::stoll(call.timestamp),
                                         call.body + " ", call.signature, now_us() / 1'000'000));
    CHECK(call.body.find("anna.nowak") == std::string::npos);  // no contact in a webhook
  }
  auto match = nlohmann::json::parse(of_type("gosmart.match_found")[0].body);
  CHECK(match["data"]["organisationId"] == pl_org);
  CHECK(match["data"]["details"]["partner"]["title"] == kOfferTitle);

  // Removed: the next match calls nobody.
  auto removed = f.call<wire::WebhookRemove>("PL", f.portal, "notifier.webhook.remove",
                                             [&](auto w) { w.setId(hook_id); });
  REQUIRE(removed.header().type == "notifier.webhook.reply");
  auto matches_before = of_type("gosmart.match_found").size();
  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kSecondOfferTitle, kOfferSummary);
  REQUIRE(eventually(
      [&] { return mails_to(smtp, "anna.nowak@optika.example.pl", "match_found").size() == 2; },
      30s));
  std::this_thread::sleep_for(1s);
  CHECK(of_type("gosmart.match_found").size() == matches_before);
}

TEST_CASE("alerts held for a weekly digest are listed with the digest's due time",
          "[system][notifier]") {
  // Outside findings: held alerts could not be seen by an operator.
  Federation f({"PL", "FI"}, true, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  f.start_notifier("PL", notifier_toml(f, "PL", smtp));
  const std::string anna = "anna.nowak@optika.example.pl";
  auto pl_org =
      register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "pl", true}});
  auto fi_org = register_org(f, "FI", "Konenäkö Tampere Oy",
                             {{"Mikko Virtanen", "mikko@konenako.example.fi", "fi", true}});
  auto weekly =
      f.call<wire::ContactPreferences>("PL", f.broker, "registry.contact.preferences", [&](auto p) {
        p.setOrganisationId(pl_org);
        p.setContactEmail(anna);
        p.setRhythm("weekly");
      });
  REQUIRE(weekly.header().type == "registry.org.reply");
  publish(f, "FI", fi_org, Kind::TECHNOLOGY_OFFER, kOfferTitle, kOfferSummary);
  publish(f, "PL", pl_org, Kind::TECHNOLOGY_REQUEST, kRequestTitle, kRequestSummary);
  auto held = [&](const TestClient& who) {
    return f.call<wire::OutboxQuery>("PL", who, "notifier.outbox.list",
                                     [](auto q) { q.setHeld(true); });
  };
  REQUIRE(eventually(
      [&] { return held(f.broker).payload<wire::OutboxPage>().getItems().size() == 1; }, 30s));
  auto page = held(f.broker);
  auto item = page.payload<wire::OutboxPage>().getItems()[0];
  CHECK(std::string(item.getKind()) == "match_found");
  CHECK(std::string(item.getChannel()) == "digest");
  CHECK(std::string(item.getRecipient()) == anna);
  CHECK(std::string(item.getOrganisationId()) == pl_org);
  CHECK(item.getNextTryUs() > now_us());                              // Monday 08:00
  CHECK(item.getNextTryUs() < now_us() + 8 * 24 * 3600 * 1000000LL);  // within a week
  CHECK(mails_to(smtp, anna, "match_found").empty());
  // A monitor sees it without the address.
  auto seen = held(f.watcher);
  REQUIRE(seen.payload<wire::OutboxPage>().getItems().size() == 1);
  CHECK(std::string(seen.payload<wire::OutboxPage>().getItems()[0].getRecipient()).empty());
}

TEST_CASE("a distant relay gets messages handed to its lane about once each",
          "[system][notifier]") {
  // Outside findings, session 18: a lane took 64 messages at once whatever the
  // relay's pace; with a relay answering in 8 ms, the later ones of each run were
  // gated too long before their turn, dropped and handed over again, 2.5-3 times
  // each. The lane now takes what it sends within the gate's freshness.
  Federation f({"PL"}, false, "", {}, true);
  SmtpServer smtp(f.dir.path() / "mail");
  const std::string anna = "anna.nowak@optika.example.pl";
  auto org = register_org(f, "PL", "Optika Gdańsk sp. z o.o.", {{"Anna Nowak", anna, "pl", true}});
  constexpr int kMessages = 80;
  for (int i = 0; i < kMessages; ++i) {
    publish(f, "PL", org, Kind::TECHNOLOGY_OFFER,
            kOfferTitle + std::string(" ") + std::to_string(i), kOfferSummary);
  }
  // All due at once when the notifier starts, as after an import or an outage.
  smtp.slow(25);
  f.start_notifier("PL", notifier_toml(f, "PL", smtp, "concurrency = 1\n"));
  REQUIRE(eventually([&] { return mails_to(smtp, anna, "profile_published").size() == kMessages; },
                     scaled(60s)));
  ApiClient client(f.watcher.keys);
  REQUIRE(eventually(
      [&] {
        auto health = client.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
        return health && health->metric("notifier.sent") == kMessages;
      },
      scaled(10s)));
  auto health = client.health(f.nodes.at("PL").notifier.api, f.notifier_key("PL"), 2s);
  REQUIRE(health);
  INFO("handed over " << health->metric("notifier.sends") << " times for " << kMessages
                      << " messages");
  CHECK(health->metric("notifier.sends") <= kMessages * 1.25);
  CHECK(mails_to(smtp, anna, "profile_published").size() == kMessages);  // none twice
}
