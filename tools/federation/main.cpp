// gosmart-federation: the local federation behind deploy/local/federation.
//   gosmart-federation up --dir DIR [--countries PL,FI,DK] [--bin DIR] [--stop-with PID]
//                      [--mail-catcher PATH|none]
//   gosmart-federation prepare --dir DIR [--countries ...] [--services registry,...]
//                      [--heartbeat-ms N] [--peer-evasive-ms N] [--peer-expired-ms N]
//   gosmart-federation status --dir DIR
//   gosmart-federation down --dir DIR
// `up` returns when every service answers health (exit 0) or names the ones that do
// not (exit 1); `down` stops exactly what `up` started and keeps the data. `prepare`
// only writes keys and configs (tools/run-demo runs its own processes on them).
// Each node's notifier sends through the federation's own mail relay on loopback
// (deploy/local/mail-catcher), which keeps every message in DIR/mail, a Maildir.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/config/config.hpp"
#include "common/core/key_files.hpp"
#include "common/service/api_client.hpp"
#include "tools/federation/federation.hpp"

using namespace gosmart;
namespace fs = std::filesystem;

namespace {

bool answers_health(transport::Transport& transport, const std::string& endpoint,
                    const std::string& key) {
  service::ApiClient client(transport, endpoint, key);
  return client.health("PL", wire::Service::TOOL, std::chrono::milliseconds(500)).reply.has_value();
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::string lower_of(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

fs::path own_bin_dir() {
  return fs::read_symlink("/proc/self/exe").parent_path();
}

void print(const federation::Layout& layout, const std::vector<federation::ProcessState>& states,
           const std::map<std::string, bool>& healthy) {
  std::cout << "federation in " << layout.dir.string() << "\n";
  for (const auto& s : states) {
    auto config = config::load_config(layout.dir / s.log.parent_path().filename() / "node.toml");
    const auto& service = config.service(s.service);
    std::string key = s.country + "/" + s.service;
    // Whether it answers; whether it is healthy is `gosmartctl status`'s to say
    // (outside findings, wave 3: "healthy" was printed for a service that reported
    // itself unhealthy).
    std::cout << "  " << s.country << "  " << s.service << (s.service.size() < 8 ? "\t" : "")
              << "\t" << (s.pid ? "pid " + std::to_string(s.pid) : std::string("stopped")) << "\t"
              << service.endpoints.api << "\t"
              << (healthy.count(key) ? (healthy.at(key) ? "answers" : "NOT ANSWERING") : "")
              << "\n";
  }
  auto relay = federation::mail_relay(layout);
  if (relay.port != 0) {
    bool answers = relay.pid && federation::relay_answers(relay.port, std::chrono::seconds(1));
    std::cout << "  mail relay\t" << (relay.pid ? "pid " + std::to_string(relay.pid) : "stopped")
              << "\tsmtp://127.0.0.1:" << relay.port << "\t"
              << (answers ? "answers" : "NOT ANSWERING") << "\t" << relay.maildir.string()
              << " (Maildir)\n";
  }
  std::cout << "operator key: " << (layout.dir / "operator").string()
            << ".{public,secret}; e.g. gosmartctl --config "
            << (layout.dir / "pl" / "node.toml").string() << " status --federation\n";
}

// One `up` or `down` at a time on a directory: two at once started every service
// twice, and the pid files named the ones that died on their store's lock (outside
// findings, session 19). Held until the process ends.
int lock_fd = -1;
void lock_directory(const fs::path& dir) {
  fs::create_directories(dir);
  lock_fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("another up or down is running on " + dir.string());
  }
}

// Whether a service this run started has exited already (one that lost its store's
// lock to an older process, say): a child of ours, so it must be reaped to be seen.
bool exited(int pid) {
  int status = 0;
  return pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid;
}

std::map<std::string, bool> check_health(const federation::Layout& layout,
                                         const std::vector<federation::ProcessState>& states,
                                         std::chrono::seconds wait) {
  transport::Transport transport(curve::read_key_files((layout.dir / "operator").string()), {});
  std::map<std::string, bool> healthy;
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (const auto& s : states) {
    auto config = config::load_config(s.log.parent_path() / "node.toml");
    const auto& service = config.service(s.service);
    // A service with a key of its own (the notifier) answers under that key.
    const auto& key = service.keys ? service.keys->public_key : config.public_key;
    bool ok = false;
    do {
      ok = answers_health(transport, service.endpoints.api, key);
    } while (!ok && std::chrono::steady_clock::now() < deadline);
    healthy[s.country + "/" + s.service] = ok;
  }
  return healthy;
}

}  // namespace

// A detached watchdog that stops the federation once `owner` is gone: a test (or a
// script) that dies without `down` leaves nothing running (issue 14: a killed test
// left its federation's services behind, which PR_SET_PDEATHSIG cannot reach, since
// they are not its children). It ends by itself when the directory is removed.
void stop_with(const federation::Layout& layout, pid_t owner) {
  pid_t watchdog = ::fork();
  if (watchdog != 0) return;  // the parent goes on (or fork failed: no watchdog)
  ::setsid();
  for (int fd = 0; fd < 3; ++fd) ::close(fd);
  // The directory's lock is the starter's: a watchdog holding it for the
  // federation's lifetime would refuse every later up and down.
  if (lock_fd >= 0) ::close(lock_fd);
  while (::kill(owner, 0) == 0 || errno != ESRCH) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::error_code error;
    if (!fs::exists(layout.dir, error)) ::_exit(0);
  }
  try {
    federation::stop_all(layout, 5);
  } catch (...) {
    ::_exit(1);  // stderr is closed: nobody to tell
  }
  ::_exit(0);
}

int main(int argc, char** argv) {
  // Keys, configs, data directories and logs: for this user only (issue 11).
  ::umask(077);
  CLI::App app{"A GoSmart federation on this machine (loopback)"};
  app.require_subcommand(1);
  std::string dir, countries_text, bin_dir, services_text;
  int wait_s = 30;
  pid_t owner = 0;
  federation::Options options;
  auto* up = app.add_subcommand("up", "configure (first time) and start every node");
  auto* prepare = app.add_subcommand("prepare", "only write keys and configs (first time)");
  auto* down = app.add_subcommand("down", "stop what up started; data stays");
  auto* status = app.add_subcommand("status", "which processes run and answer");
  for (auto* sub : {up, prepare, down, status})
    sub->add_option("--dir", dir, "the federation's directory")->required();
  for (auto* sub : {up, prepare})
    sub->add_option("--countries", countries_text, "e.g. PL,FI,DK (default: all seven)");
  prepare->add_option("--services", services_text, "e.g. registry (default: every service)");
  prepare->add_option("--heartbeat-ms", options.limits.heartbeat_ms, "[limits] heartbeat_ms");
  prepare->add_option("--peer-evasive-ms", options.limits.peer_evasive_ms,
                      "[limits] peer_evasive_ms");
  prepare->add_option("--peer-expired-ms", options.limits.peer_expired_ms,
                      "[limits] peer_expired_ms");
  up->add_option("--bin", bin_dir, "where the service binaries are (default: next to this one)");
  up->add_option("--wait", wait_s, "seconds to wait for health");
  std::string mail_catcher = std::string(GOSMART_SOURCE_DIR) + "/deploy/local/mail-catcher";
  up->add_option("--mail-catcher", mail_catcher,
                 "the local mail relay the notifiers send through ('none': not started)");
  up->add_option("--stop-with", owner,
                 "stop the federation when this process ends (tests, scripts)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    if (up->parsed() || down->parsed()) lock_directory(dir);
    if (up->parsed() || prepare->parsed()) {
      auto countries = split(countries_text);
      // "pl,fi" is meant as PL,FI (outside findings: refused as "not a member").
      for (auto& country : countries) {
        for (auto& c : country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      if (countries.empty() && !fs::exists(fs::path(dir) / "countries"))
        countries = config::default_members();
      if (!services_text.empty()) options.services = split(services_text);
      auto layout = federation::prepare(dir, countries, options);
      if (prepare->parsed()) {
        std::cout << "federation configured in " << layout.dir.string() << "\n";
        return 0;
      }
      if (mail_catcher == "none") mail_catcher.clear();
      if (!mail_catcher.empty() && !fs::exists(mail_catcher)) {
        throw std::runtime_error("no mail relay at " + mail_catcher +
                                 " (--mail-catcher PATH, or none)");
      }
      auto states = federation::start_all(
          layout, bin_dir.empty() ? own_bin_dir() : fs::path(bin_dir), mail_catcher);
      if (owner > 0) stop_with(layout, owner);
      auto healthy = check_health(layout, states, std::chrono::seconds(wait_s));
      for (auto& state : states) {
        if (!exited(state.pid)) continue;
        healthy[state.country + "/" + state.service] = false;
        std::error_code error;
        fs::remove(layout.dir / lower_of(state.country) / (state.service + ".pid"), error);
        state.pid = 0;
      }
      print(layout, states, healthy);
      for (const auto& [name, ok] : healthy) {
        if (!ok) {
          std::cerr << "federation: " << name << " exited or does not answer; see its log\n";
          return 1;
        }
      }
      return 0;
    }
    auto layout = federation::existing(dir);
    if (down->parsed()) {
      auto stopped = federation::stop_all(layout);
      std::cout << "stopped " << stopped << " processes; data kept in " << layout.dir.string()
                << "\n";
      return 0;
    }
    auto states = federation::running(layout);
    auto healthy = check_health(layout, states, std::chrono::seconds(0));
    print(layout, states, healthy);
    for (const auto& s : states) {
      if (!s.pid || !healthy[s.country + "/" + s.service]) return 1;
    }
    // A relay configured but away: the notifiers' mail waits (their status says so
    // only once a message is due).
    auto relay = federation::mail_relay(layout);
    if (relay.port != 0 &&
        (!relay.pid || !federation::relay_answers(relay.port, std::chrono::seconds(1)))) {
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "federation: " << e.what() << "\n";
    return 2;
  }
}
