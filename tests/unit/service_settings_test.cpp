// Each service reads its own table of node.toml, as strictly as common/config reads
// the node's: [matching] with [matching.weights], [registry].
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/config/config.hpp"
#include "common/core/curve.hpp"
#include "services/matching/settings.hpp"
#include "services/notifier/settings.hpp"
#include "services/registry/settings.hpp"
#include "tests/support/process.hpp"

using namespace gosmart;
using Catch::Matchers::Contains;

namespace {

config::NodeConfig node_with(const std::string& extra) {
  testing::TempDir dir;
  auto keys = curve::generate_keypair();
  std::ofstream(dir.path() / "node.secret") << keys.secret_key << "\n";
  ::chmod((dir.path() / "node.secret").c_str(), 0600);
  return config::parse_config("[node]\ncountry = \"PL\"\ndata_dir = \"data\"\n[keys]\npublic = \"" +
                                  keys.public_key +
                                  "\"\nsecret_file = \"node.secret\"\n"
                                  "[services.registry]\napi = \"tcp://127.0.0.1:7001\"\n"
                                  "[services.matching]\napi = \"tcp://127.0.0.1:7002\"\n" +
                                  extra,
                              dir.path());
}

}  // namespace

TEST_CASE("matching reads [matching] and [matching.weights], defaults included", "[matching]") {
  auto defaults = matching::matching_options(node_with(""));
  CHECK(defaults.country == "PL");
  CHECK(defaults.transnational);
  CHECK_FALSE(defaults.broker_approval);
  CHECK(defaults.threshold == 0.3);
  CHECK(defaults.top_k == 10);
  CHECK(defaults.weights.text == 0.4);

  auto set = matching::matching_options(
      node_with("[matching]\ntransnational = false\nbroker_approval = true\nthreshold = 0.5\n"
                "top_k = 3\n[matching.weights]\ndomains = 0\nnace = 0\ntext = 1\n"
                "cooperation = 0\nlanguages = 0\npartner_types = 0\npartner_sizes = 0\n"
                "freshness = 0\n"));
  CHECK_FALSE(set.transnational);
  CHECK(set.broker_approval);
  CHECK(set.threshold == 0.5);
  CHECK(set.top_k == 3);
  CHECK(set.weights.text == 1.0);
  CHECK(set.weights.domains == 0.0);
}

TEST_CASE("matching settings errors name the key", "[matching]") {
  auto options = [](const std::string& extra) {
    return matching::matching_options(node_with(extra));
  };
  CHECK_THROWS_WITH(options("[matching]\ntop_n = 3\n"), Contains("matching.top_n: unknown key"));
  CHECK_THROWS_WITH(options("[matching]\ntop_k = 0\n"),
                    Contains("matching.top_k: must be between"));
  CHECK_THROWS_WITH(options("[matching]\nthreshold = 1.5\n"),
                    Contains("matching.threshold: must be a number from 0 to 1"));
  CHECK_THROWS_WITH(options("[matching]\ntransnational = \"yes\"\n"),
                    Contains("matching.transnational: must be true or false"));
  CHECK_THROWS_WITH(options("[matching.weights]\nwords = 0.5\n"),
                    Contains("matching.weights.words: unknown key"));
  CHECK_THROWS_WITH(options("[matching.weights]\ndomains = 0\nnace = 0\ntext = 0\n"
                            "cooperation = 0\nlanguages = 0\npartner_types = 0\npartner_sizes = 0\n"
                            "freshness = 0\n"),
                    Contains("matching.weights: at least one weight must be above 0"));
}

TEST_CASE("the registry reads [registry]", "[registry]") {
  CHECK(registry::registry_settings(node_with("")).max_open_eois_per_org == 10);
  CHECK(registry::registry_settings(node_with("[registry]\nmax_open_eois_per_org = 3\n"))
            .max_open_eois_per_org == 3);
  CHECK_THROWS_WITH(registry::registry_settings(node_with("[registry]\nmax_open_eois = 3\n")),
                    Contains("registry.max_open_eois: unknown key"));
  CHECK_THROWS_WITH(
      registry::registry_settings(node_with("[registry]\nmax_open_eois_per_org = 0\n")),
      Contains("registry.max_open_eois_per_org: must be between"));
  // The limit moved from [limits] to the registry's own table.
  CHECK_THROWS_WITH(node_with("[limits]\nmax_open_eois_per_org = 3\n"),
                    Contains("limits.max_open_eois_per_org: unknown key"));
}

TEST_CASE("notifier settings refuse what would make every send fail and name the key",
          "[notifier]") {
  // Outside findings: each of these was accepted, and every send then failed.
  auto settings = [](const std::string& notifier) {
    return notifier::notifier_settings(
        node_with("[services.notifier]\napi = \"tcp://127.0.0.1:7003\"\n[notifier]\n" + notifier),
        "/nonexistent");
  };
  const std::string good = "smtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"gosmart@pl.example\"\n";
  auto ok = settings(good);
  CHECK(ok.smtp.url == "smtp://127.0.0.1:2525");
  CHECK(ok.options.mail_domain == "pl.example");
  CHECK(ok.options.reply_to == "gosmart@pl.example");
  auto refused = [&](const std::string& text, const std::string& key) {
    CHECK_THROWS_WITH(settings(text), Contains("notifier." + key));
  };
  refused("smtp_url = \"smtp://\"\nfrom = \"gosmart@pl.example\"\n", "smtp_url");
  refused("smtp_url = \"smtp://relay.example:99999\"\nfrom = \"gosmart@pl.example\"\n", "smtp_url");
  refused("smtp_url = \"smtp://relay.example:port\"\nfrom = \"gosmart@pl.example\"\n", "smtp_url");
  refused("smtp_url = \"http://relay.example\"\nfrom = \"gosmart@pl.example\"\n", "smtp_url");
  refused("smtp_url = \"smtp://relay.example\"\nfrom = \"GoSmart <gosmart@pl.example>\"\n", "from");
  refused(good + "reply_to = \"Broker <broker@pl.example>\"\n", "reply_to");
  refused(good + "public_url = \"ftp://pl.example/n\"\n", "public_url");
  refused(good + "public_url = \"javascript:alert(1)\"\n", "public_url");
  refused(good + "retry_base_ms = 5000\nretry_cap_ms = 1000\n", "retry_cap_ms");
  refused(good + "time_zone = \"Europe/Gdansk\"\n", "time_zone");
  refused(good + "smtp_password_file = \"missing\"\n", "smtp_password_file");
  refused(good + "colour = \"blue\"\n", "colour");
  CHECK(settings(good + "public_url = \"https://gosmart.pl.example/n/\"\n").options.public_url ==
        "https://gosmart.pl.example/n");
  // Outside findings: good bases were refused and bad ones passed.
  for (const auto& [given, base] : std::vector<std::pair<std::string, std::string>>{
           {"http://localhost:8080", "http://localhost:8080"},
           {"http://links:8080/n/", "http://links:8080/n"},
           {"http://[::1]:8080", "http://[::1]:8080"},
           {"HTTPS://Links.PL.example/n", "https://Links.PL.example/n"}}) {
    CHECK(settings(good + "public_url = \"" + given + "\"\n").options.public_url == base);
  }
  refused(good + "public_url = \"https://pl.example:99999/n\"\n", "public_url");
  refused(good + "public_url = \"https://u:p@pl.example/n\"\n", "public_url");
  refused(good + "public_url = \"https://pl.example/n?x=1\"\n", "public_url");
  refused(good + "public_url = \"pl.example/n\"\n", "public_url");
  // The default base follows link_address, IPv6 in brackets; no public_url error.
  CHECK(settings(good + "link_address = \"::1\"\nlink_port = 8080\n").options.public_url ==
        "http://[::1]:8080");
  CHECK(settings(good + "link_address = \"localhost\"\nlink_port = 8080\n").options.public_url ==
        "http://localhost:8080");
  CHECK(settings(good).options.public_url == "http://127.0.0.1:0");  // endpoint off
  // Outside findings: "[::1]" was refused naming public_url, "127.0.0.1.5" passed.
  CHECK(settings(good + "link_address = \"[::1]\"\nlink_port = 8080\n").link_address == "::1");
  CHECK(settings(good + "link_address = \"[::1]\"\nlink_port = 8080\n").options.public_url ==
        "http://[::1]:8080");
  for (const char* bad : {"127.0.0.1.5", "links.pl.example", "", "[127.0.0.1]", "::1]"}) {
    INFO(bad);
    refused(good + "link_address = \"" + bad + "\"\nlink_port = 8080\n", "link_address");
  }
  refused(good + "public_url = \"http:///n\"\n", "public_url");
  refused(good + "public_url = \"http://pl.example:0/n\"\n", "public_url");
  CHECK_THROWS_WITH(settings(good + "public_url = \"https://pl.example:99999/n\"\n"),
                    Contains("Port number"));
  CHECK_THROWS_WITH(settings(good + "public_url = \"https://pl example/n\"\n"),
                    Contains("is not a usable address"));
  CHECK(notifier::is_loopback_host("127.0.0.2"));
  CHECK(notifier::is_loopback_host("::1"));
  CHECK(notifier::is_loopback_host("::ffff:127.0.0.1"));
  CHECK_FALSE(notifier::is_loopback_host("::ffff:198.18.0.1"));
  CHECK_FALSE(notifier::is_loopback_host("0.0.0.0"));
  CHECK_FALSE(notifier::is_loopback_host("198.18.0.1"));
}

TEST_CASE("webhook prefixes end after a host and are written as sent", "[notifier]") {
  auto settings = [](const std::string& prefixes) {
    return notifier::notifier_settings(
        node_with("[services.notifier]\napi = \"tcp://127.0.0.1:7003\"\n[notifier]\n"
                  "smtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"gosmart@pl.example\"\n"
                  "webhook_url_prefixes = [" +
                  prefixes + "]\n"),
        "/nonexistent");
  };
  CHECK(settings("\"https://portal.example/hooks/\"").options.webhook_url_prefixes.size() == 1);
  for (const char* bad :
       {"\"http://127.0.0.1:\"", "\"https://portal.example\"", "\"https://portal.example/a/../b/\"",
        "\"https://u@portal.example/\"", "\"ftp://portal.example/\""}) {
    CHECK_THROWS_WITH(settings(bad), Contains("notifier.webhook_url_prefixes"));
  }
}

TEST_CASE("a relay URL is logged without its credentials", "[notifier]") {
  // The start line names the relay: a password given in the URL must not reach the log.
  CHECK(notifier::url_for_log("smtp://mailer:s3cret@relay.example:587") ==
        "smtp://relay.example:587/");
  CHECK(notifier::url_for_log("smtps://relay.example") == "smtps://relay.example/");
  CHECK(notifier::url_for_log("smtp://mailer;AUTH=PLAIN:pw@relay.example:25").find("pw") ==
        std::string::npos);
  CHECK(notifier::url_for_log("not a url").find("not a url") == std::string::npos);
}
