#include "services/notifier/settings.hpp"

#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include <fstream>
#include <map>

#include "common/config/private_file.hpp"
#include "common/reference/formats.hpp"
#include "services/notifier/domain/preferences.hpp"
#include "services/notifier/webhook_request.hpp"

namespace gosmart::notifier {

std::optional<std::string> smtp_url_problem(const std::string& url) {
  // libcurl's own URL parser: what it accepts here is what it will connect to.
  CURLU* parsed = curl_url();
  if (!parsed) return "cannot be parsed (out of memory)";
  std::optional<std::string> problem;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    problem = "'" + url + "' is not a URL (smtp://host:port or smtps://host:port)";
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(parsed, CURLUPART_HOST, &host, 0);
    std::string s = scheme ? scheme : "";
    if (s != "smtp" && s != "smtps") {
      problem = "must start with smtp:// or smtps://";
    } else if (!host || std::string(host).empty()) {
      problem = "'" + url + "' names no host";
    }
    curl_free(scheme);
    curl_free(host);
  }
  curl_url_cleanup(parsed);
  return problem;
}

LinkBase link_base_url(const std::string& text) {
  // libcurl's URL parser, as for the relay: a port past 65535 or a word for a port
  // is refused; a one-word host, localhost or [::1] is a good host (outside
  // findings: those were refused, while :99999 and user:password@ passed).
  LinkBase base;
  CURLU* parsed = curl_url();
  if (!parsed) return {"", "cannot be parsed (out of memory)"};
  auto part = [&](CURLUPart which) {
    char* value = nullptr;
    std::optional<std::string> out;
    if (curl_url_get(parsed, which, &value, 0) == CURLUE_OK && value) out = value;
    curl_free(value);
    return out;
  };
  auto scheme_end = text.find("://");
  CURLUcode set = scheme_end == std::string::npos
                      ? CURLUE_BAD_SCHEME
                      : curl_url_set(parsed, CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
  auto port = set == CURLUE_OK ? part(CURLUPART_PORT) : std::nullopt;
  if (auto scheme = set == CURLUE_OK ? part(CURLUPART_SCHEME) : std::nullopt;
      scheme_end == std::string::npos || (scheme && *scheme != "http" && *scheme != "https")) {
    base.problem = "is not an http:// or https:// address";
  } else if (set != CURLUE_OK) {
    // libcurl's own words: a port past 65535, a space in the host (outside findings:
    // every such address read "is not an http:// or https:// address").
    base.problem = std::string("is not a usable address: ") + curl_url_strerror(set);
  } else if (text.compare(scheme_end + 3, 1, "/") == 0) {
    // libcurl reads "http:///n" as host n (outside findings: it was taken so).
    base.problem = "names no host (a third / after the scheme)";
  } else if (port && *port == "0") {
    base.problem = "has port 0, which nothing can be reached on";
  } else if (part(CURLUPART_USER) || part(CURLUPART_PASSWORD)) {
    base.problem = "carries a user or password: links are read by anyone they are mailed to";
  } else if (part(CURLUPART_QUERY) || part(CURLUPART_FRAGMENT) ||
             text.find_first_of("?#") != std::string::npos) {
    base.problem = "has a ? or #: links are made by appending /u/<token> to it";
  } else if (auto url = part(CURLUPART_URL)) {
    base.url = *url;  // the scheme in lower case, as libcurl writes it
    while (!base.url.empty() && base.url.back() == '/') base.url.pop_back();
  } else {
    base.problem = "is not an http:// or https:// address";
  }
  curl_url_cleanup(parsed);
  return base;
}

std::optional<std::string> listen_address(const std::string& text) {
  // An IPv6 address may come bracketed, as in a URL; the listener takes it bare.
  in6_addr v6{};
  in_addr v4{};
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    std::string bare = text.substr(1, text.size() - 2);
    if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) return bare;
    return std::nullopt;
  }
  if (text == "localhost" || inet_pton(AF_INET, text.c_str(), &v4) == 1 ||
      inet_pton(AF_INET6, text.c_str(), &v6) == 1)
    return text;
  return std::nullopt;
}

bool is_loopback_host(const std::string& host) {
  // 127.0.0.0/8 also as an IPv4-mapped IPv6 address (outside findings: warned about).
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0 ||
         host.rfind("::ffff:127.", 0) == 0 || host.rfind("[::ffff:127.", 0) == 0;
}

std::string url_for_log(const std::string& url) {
  // A relay's password may sit in its URL (smtp://user:secret@host): never logged.
  CURLU* parsed = curl_url();
  if (!parsed) return "(url)";
  std::string shown = "(unparsable url)";
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    curl_url_set(parsed, CURLUPART_USER, nullptr, 0);
    curl_url_set(parsed, CURLUPART_PASSWORD, nullptr, 0);
    curl_url_set(parsed, CURLUPART_OPTIONS, nullptr, 0);
    char* text = nullptr;
    if (curl_url_get(parsed, CURLUPART_URL, &text, 0) == CURLUE_OK && text) shown = text;
    curl_free(text);
  }
  curl_url_cleanup(parsed);
  return shown;
}

std::filesystem::path default_templates() {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string name = "share/gosmart/notifier/templates";
  if (!error) {
    auto built = exe.parent_path().parent_path() / name;
    if (std::filesystem::is_directory(built, error)) return built;
  }
  return "/usr/" + name;
}

std::string country_time_zone(const std::string& country) {
  static const std::map<std::string, std::string> zones = {
      {"PL", "Europe/Warsaw"}, {"FI", "Europe/Helsinki"}, {"DK", "Europe/Copenhagen"},
      {"DE", "Europe/Berlin"}, {"LV", "Europe/Riga"},     {"EE", "Europe/Tallinn"},
      {"LT", "Europe/Vilnius"}};
  auto it = zones.find(country);
  return it == zones.end() ? "UTC" : it->second;
}

NotifierSettings notifier_settings(const config::NodeConfig& node,
                                   const std::filesystem::path& config_dir) {
  NotifierSettings settings;
  auto section = node.section("notifier");
  auto required = [&](const std::string& key) {
    auto value = section.string(key);
    if (!value || value->empty()) {
      throw config::ConfigError("config: " + (section.path() + "." + key) + ": is required");
    }
    return *value;
  };
  auto& options = settings.options;
  options.country = node.country;
  settings.smtp.url = required("smtp_url");
  if (auto problem = smtp_url_problem(settings.smtp.url)) {
    throw config::ConfigError("config: " + section.path() + ".smtp_url: " + *problem);
  }
  settings.smtp.username = section.string("smtp_username").value_or("");
  if (auto file = section.string("smtp_password_file")) {
    // Held like a key file: a relay's password readable by others is refused.
    settings.smtp.password =
        config::read_private_file(config_dir / *file, section.path() + ".smtp_password_file");
  }
  settings.smtp.require_tls = section.boolean("smtp_require_tls").value_or(false);
  // How long one send (mail or webhook) may take before it counts as failed: a
  // recipient that stalls holds one lane that long, then steps aside.
  settings.smtp.timeout_s = section.integer("send_timeout_s", 1, 600).value_or(30);
  // Bare addresses: the courier writes them into MAIL FROM and the headers itself,
  // and a display name there made every send fail with 501 (outside findings).
  auto address = [&](const std::string& key, const std::string& value) {
    if (!reference::is_email(value)) {
      throw config::ConfigError("config: " + section.path() + "." + key + ": '" + value +
                                "' is not a bare e-mail address (name@example.org, no display "
                                "name or angle brackets)");
    }
    return value;
  };
  options.from = address("from", required("from"));
  settings.smtp.from = options.from;
  options.reply_to = address("reply_to", section.string("reply_to").value_or(options.from));
  options.mail_domain = options.from.substr(options.from.find('@') + 1);
  if (auto listen = section.string("link_address")) {
    auto literal = listen_address(*listen);
    if (!literal) {
      throw config::ConfigError("config: " + section.path() + ".link_address: '" + *listen +
                                "' is not an address to listen on (an IPv4 or IPv6 address, "
                                "or localhost)");
    }
    settings.link_address = *literal;
  }
  settings.link_port = static_cast<uint16_t>(section.integer("link_port", 0, 65535).value_or(0));
  // The links' base: the endpoint itself unless the operator names the TLS proxy's.
  std::string host = settings.link_address.find(':') != std::string::npos
                         ? "[" + settings.link_address + "]"  // IPv6
                         : settings.link_address;
  auto given = section.string("public_url");
  // With the endpoint off (port 0) and no public_url there are no links to make.
  auto base = !given && settings.link_port == 0
                  ? LinkBase{"http://" + host + ":0", ""}
                  : link_base_url(given.value_or("http://" + host + ":" +
                                                 std::to_string(settings.link_port)));
  if (!base.problem.empty()) {
    throw config::ConfigError("config: " + section.path() + ".public_url: '" +
                              section.string("public_url").value_or("") + "' " + base.problem);
  }
  options.public_url = base.url;
  if (settings.link_port != 0 && !is_loopback_host(settings.link_address)) {
    spdlog::warn(
        "config: {}.link_address {}: the link endpoint is plain HTTP; outside loopback it is "
        "reached without the institution's TLS proxy",
        section.path(), settings.link_address);
  }
  // A relative folder is the config file's neighbour, as the password file is (the
  // outside tester's was looked for in the working directory).
  if (auto templates = section.string("templates")) {
    settings.templates = std::filesystem::path(*templates).is_absolute()
                             ? *templates
                             : (config_dir / *templates).string();
  } else {
    settings.templates = default_templates().string();
  }
  options.time_zone = section.string("time_zone").value_or(country_time_zone(node.country));
  if (!known_time_zone(options.time_zone)) {
    throw config::ConfigError("config: " + section.path() + ".time_zone: '" + options.time_zone +
                              "' is not an IANA time zone (e.g. Europe/Warsaw)");
  }
  options.concurrency = static_cast<int>(section.integer("concurrency", 1, 16).value_or(2));
  if (auto prefixes = section.strings("webhook_url_prefixes", 32)) {
    for (const auto& prefix : *prefixes) {
      // A prefix ends in "/" or ":" so that https://portal.example cannot admit
      // https://portal.example.attacker.net.
      // A prefix ending in ":" admitted "http://127.0.0.1:@elsewhere/" (outside
      // findings); it now ends in "/" after the host, and is written as sent.
      if (webhook_url_problem(prefix) || prefix.back() != '/' ||
          std::count(prefix.begin(), prefix.end(), '/') < 3) {
        throw config::ConfigError("config: " + section.path() + ".webhook_url_prefixes: '" +
                                  prefix +
                                  "' is not an http(s) URL up to a / after its host, "
                                  "as it would be sent (no user, no /../)");
      }
    }
    options.webhook_url_prefixes = *prefixes;
  }
  options.recipient_per_hour =
      static_cast<double>(section.integer("recipient_per_hour", 0, 100'000).value_or(0));
  options.recipient_burst =
      static_cast<double>(section.integer("recipient_burst", 1, 10'000).value_or(10));
  options.server_per_second =
      static_cast<double>(section.integer("server_per_second", 0, 100'000).value_or(0));
  options.server_burst =
      static_cast<double>(section.integer("server_burst", 1, 100'000).value_or(20));
  if (auto days = section.integers("reminder_days", 1, 365, 5)) {
    options.reminder_days.assign(days->begin(), days->end());
  }
  settings.retry.max_attempts = static_cast<int>(
      section.integer("max_attempts", 1, 100).value_or(settings.retry.max_attempts));
  settings.retry.base_ms =
      section.integer("retry_base_ms", 10, 3'600'000).value_or(settings.retry.base_ms);
  settings.retry.cap_ms =
      section.integer("retry_cap_ms", 10, 86'400'000).value_or(settings.retry.cap_ms);
  settings.retry.give_up_after_ms = section.integer("give_up_after_s", 0, 30 * 86'400)
                                        .value_or(settings.retry.give_up_after_ms / 1000) *
                                    1000;
  if (settings.retry.cap_ms < settings.retry.base_ms) {
    throw config::ConfigError(
        "config: " + section.path() + ".retry_cap_ms: " + std::to_string(settings.retry.cap_ms) +
        " is below retry_base_ms (" + std::to_string(settings.retry.base_ms) + ")");
  }
  section.finish();
  return settings;
}

}  // namespace gosmart::notifier
