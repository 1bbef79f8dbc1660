#pragma once
// A real SMTP server for the notifier's tests (tests/support/smtp_server.py, Debian's
// aiosmtpd), and the messages it accepted, read back as a mail client would.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/registry_federation.hpp"

namespace gosmart::testing {

// aiosmtpd on a free port; each accepted message lands in dir() as NNNNNN.eml.
class SmtpServer {
 public:
  explicit SmtpServer(const std::filesystem::path& dir) : dir_(dir), port_(free_port()) { start(); }
  void start() {
    std::filesystem::remove(dir_ / "ready");
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3",
                                 std::string(GOSMART_TEST_SUPPORT_DIR) + "/smtp_server.py",
                                 std::to_string(port_), dir_.string()},
        dir_.parent_path() / "smtp.log");
    ensure(eventually([&] { return std::filesystem::exists(dir_ / "ready"); }, 15s),
           "the SMTP server did not start");
  }
  void stop() { process_.reset(); }
  void refuse(bool on) {
    if (on) {
      std::ofstream(dir_ / "refuse") << "451\n";
    } else {
      std::filesystem::remove(dir_ / "refuse");
    }
  }
  // Only `address` (lower case) is answered 451 while on: one mailbox that fails.
  void refuse_recipient(const std::string& address, bool on) {
    if (on) {
      std::ofstream(dir_ / ("refuse-" + address)) << "451\n";
    } else {
      std::filesystem::remove(dir_ / ("refuse-" + address));
    }
  }
  // A message to `address` gets no answer to its DATA (for 30 s) while on.
  void stall_recipient(const std::string& address, bool on) {
    if (on) {
      std::ofstream(dir_ / ("stall-" + address)) << "30\n";
    } else {
      std::filesystem::remove(dir_ / ("stall-" + address));
    }
  }
  // Every MAIL FROM unanswered for 30 s (a relay stalling before any recipient).
  void stall_mail_from(bool on) {
    if (on) {
      std::ofstream(dir_ / "stall-mail") << "30\n";
    } else {
      std::filesystem::remove(dir_ / "stall-mail");
    }
  }
  // Each message's DATA answered `ms` late (a distant relay); 0: at once.
  void slow(int ms) {
    if (ms > 0) {
      std::ofstream(dir_ / "slow-ms") << ms << "\n";
    } else {
      std::filesystem::remove(dir_ / "slow-ms");
    }
  }
  // When each stall of a recipient's DATA began (seconds since the epoch).
  std::vector<double> stalls() const {
    std::vector<double> out;
    std::ifstream in(dir_ / "stalls");
    for (double at = 0; in >> at;) out.push_back(at);
    return out;
  }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

struct Mail {
  std::string raw;
  std::string header(const std::string& name) const {
    // Unfolded, case-insensitive, from the top-level header block.
    std::string head = raw.substr(0, raw.find("\r\n\r\n"));
    std::string unfolded = std::regex_replace(head, std::regex("\r\n[ \t]+"), " ");
    std::regex line("(^|\r\n)" + name + ":[ \t]*([^\r\n]*)", std::regex::icase);
    std::smatch m;
    return std::regex_search(unfolded, m, line) ? m[2].str() : std::string();
  }
  // The bodies with quoted-printable undone (soft breaks and =XX).
  std::string decoded() const {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '=' && i + 2 < raw.size() && raw[i + 1] == '\r' && raw[i + 2] == '\n') {
        i += 2;
      } else if (raw[i] == '=' && i + 2 < raw.size() && std::isxdigit(raw[i + 1]) &&
                 std::isxdigit(raw[i + 2])) {
        out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
};

// The messages accepted for `recipient` (every message when empty), oldest first.
// With `kind`, only the messages of that kind (X-GoSmart-Notification).
inline std::vector<Mail> mails_to(const SmtpServer& smtp, const std::string& recipient,
                                  const std::string& kind = "") {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(smtp.dir())) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Mail> out;
  for (const auto& file : files) {
    std::ifstream rcpt(std::filesystem::path(file).replace_extension(".rcpt"));
    std::string line;
    bool for_them = false;
    while (std::getline(rcpt, line)) for_them |= recipient.empty() || line == recipient;
    if (!for_them) continue;
    std::ifstream in(file, std::ios::binary);
    Mail mail{std::string(std::istreambuf_iterator<char>(in), {})};
    if (kind.empty() || mail.header("X-GoSmart-Notification") == kind) out.push_back(mail);
  }
  return out;
}

}  // namespace gosmart::testing
