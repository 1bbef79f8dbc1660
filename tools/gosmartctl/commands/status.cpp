// gosmartctl status [--federation] [--watch] [--interval S]
#include <chrono>
#include <iostream>
#include <thread>

#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/status.hpp"

namespace gosmart::ctl {

namespace {

struct StatusOptions {
  bool federation = false;
  bool watch = false;
  double interval = 2;
};

}  // namespace

void add_status_command(CLI::App& app, Dispatch& dispatch) {
  auto& o = dispatch.hold<StatusOptions>();
  auto* status = app.add_subcommand("status", "health of this node's services (exit 0/1/2)");
  status->add_flag("--federation", o.federation, "every node the config lists");
  status->add_flag("--watch", o.watch, "refresh in place until interrupted");
  status->add_option("--interval", o.interval, "seconds between refreshes")
      ->check(CLI::Range(0.2, 3600.0));
  dispatch.online(status, [&o](Session& s) {
    while (true) {
      auto report = gather_status(s, o.federation);
      if (s.options().json) {
        std::cout << report.to_json().dump(2) << "\n";
      } else {
        if (o.watch) std::cout << "\033[H\033[2J";
        report.print(std::cout, colour_out());
      }
      if (!o.watch) return report.exit_code();
      std::cout.flush();
      std::this_thread::sleep_for(std::chrono::duration<double>(o.interval));
    }
  });
}

}  // namespace gosmart::ctl
