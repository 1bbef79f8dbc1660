#pragma once
// The notifier's own settings: [notifier] of the node's config, read as strictly as
// the rest (an unknown key or a bad value is a ConfigError naming it).
//
//   [notifier]
//   smtp_url = "smtp://relay.example.org:587"   # required; STARTTLS when offered
//   smtp_username = "gosmart"                   # optional, with smtp_password_file
//   smtp_password_file = "smtp.password"        # relative to the config's folder
//   smtp_require_tls = false
//   from = "gosmart@example.org"                # required
//   reply_to = "broker@example.org"             # the node's broker; default: from
//   public_url = "https://gosmart.example.org/notify"  # the link endpoint as users reach it
//   link_address = "127.0.0.1"                  # where the link endpoint listens
//   link_port = 8470                            # 0: no link endpoint (no unsubscribe links)
//   templates = "/usr/share/gosmart/notifier/templates"
//   time_zone = "Europe/Warsaw"                 # default: the node country's
//   concurrency = 2                             # messages sent at once
//   max_attempts = 8                            # sends before a message is a dead letter
//   retry_base_ms = 2000
//   retry_cap_ms = 3600000
//   give_up_after_s = 86400                     # and never sooner after the first failure
#include <filesystem>
#include <optional>

#include "common/config/config.hpp"
#include "services/notifier/domain/retry.hpp"
#include "services/notifier/notifier.hpp"
#include "services/notifier/smtp_courier.hpp"

namespace gosmart::notifier {

struct NotifierSettings {
  NotifierOptions options;
  SmtpSettings smtp;
  RetryPolicy retry;
  std::filesystem::path templates;
  std::string link_address = "127.0.0.1";
  uint16_t link_port = 0;
};

// `config_dir` resolves relative paths (the password file).
NotifierSettings notifier_settings(const config::NodeConfig& node,
                                   const std::filesystem::path& config_dir);

// The templates shipped beside the binary (build tree or /usr/share).
std::filesystem::path default_templates();

// Why libcurl would not send through `url` (not smtp:// or smtps://, no host, a bad
// port), or nothing.
std::optional<std::string> smtp_url_problem(const std::string& url);

// The base of the notifier's links (`public_url`): an http(s) address without user,
// password, query or fragment, with a port libcurl accepts. `url` is it as links
// begin (scheme in lower case, no trailing '/'); else `problem` says why.
struct LinkBase {
  std::string url;
  std::string problem;
};
LinkBase link_base_url(const std::string& text);
// 127.0.0.0/8, ::1 or localhost: the link endpoint needs no warning there.
bool is_loopback_host(const std::string& host);
// The address the link endpoint listens on, from `link_address`: an IPv4 or IPv6
// address (bracketed or bare; returned bare) or localhost; nothing for anything else
// (outside findings: "127.0.0.1.5" passed and failed later, "[::1]" was refused).
std::optional<std::string> listen_address(const std::string& text);

// `url` without its user, password and options, for a log line.
std::string url_for_log(const std::string& url);

// The time zone a country's messages are dated in.
std::string country_time_zone(const std::string& country);

}  // namespace gosmart::notifier
