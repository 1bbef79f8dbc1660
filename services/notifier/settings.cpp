#include "services/notifier/settings.hpp"

#include <fstream>
#include <map>

#include "services/notifier/domain/preferences.hpp"

namespace gosmart::notifier {

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
  if (settings.smtp.url.rfind("smtp://", 0) != 0 && settings.smtp.url.rfind("smtps://", 0) != 0) {
    throw config::ConfigError("config: " + (section.path() + "." + "smtp_url") +
                              ": must start with smtp:// or smtps://");
  }
  settings.smtp.username = section.string("smtp_username").value_or("");
  if (auto file = section.string("smtp_password_file")) {
    std::ifstream in(config_dir / *file);
    if (!in) {
      throw config::ConfigError("config: " + (section.path() + "." + "smtp_password_file") +
                                ": cannot read " + (config_dir / *file).string());
    }
    std::getline(in, settings.smtp.password);
  }
  settings.smtp.require_tls = section.boolean("smtp_require_tls").value_or(false);
  options.from = required("from");
  settings.smtp.from = options.from;
  options.reply_to = section.string("reply_to").value_or(options.from);
  auto at = options.from.find('@');
  if (at == std::string::npos || at + 1 == options.from.size()) {
    throw config::ConfigError("config: " + (section.path() + "." + "from") +
                              ": not an e-mail address");
  }
  options.mail_domain = options.from.substr(at + 1);
  settings.link_address = section.string("link_address").value_or(settings.link_address);
  settings.link_port = static_cast<uint16_t>(section.integer("link_port", 0, 65535).value_or(0));
  options.public_url =
      section.string("public_url")
          .value_or("http://" + settings.link_address + ":" + std::to_string(settings.link_port));
  while (!options.public_url.empty() && options.public_url.back() == '/') {
    options.public_url.pop_back();
  }
  settings.templates = section.string("templates").value_or(default_templates().string());
  options.time_zone = section.string("time_zone").value_or(country_time_zone(node.country));
  if (!known_time_zone(options.time_zone)) {
    throw config::ConfigError("config: " + section.path() + ".time_zone: '" + options.time_zone +
                              "' is not an IANA time zone (e.g. Europe/Warsaw)");
  }
  options.concurrency = static_cast<int>(section.integer("concurrency", 1, 16).value_or(2));
  settings.retry.max_attempts = static_cast<int>(
      section.integer("max_attempts", 1, 100).value_or(settings.retry.max_attempts));
  settings.retry.base_ms =
      section.integer("retry_base_ms", 10, 3'600'000).value_or(settings.retry.base_ms);
  settings.retry.cap_ms =
      section.integer("retry_cap_ms", 10, 86'400'000).value_or(settings.retry.cap_ms);
  section.finish();
  return settings;
}

}  // namespace gosmart::notifier
