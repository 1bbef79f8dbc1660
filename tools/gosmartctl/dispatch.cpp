#include "tools/gosmartctl/dispatch.hpp"

namespace gosmart::ctl {

namespace {

// CLI11 runs a parent's callback after its subcommand's: a parent must not take over then.
bool has_parsed_subcommand(CLI::App* command) {
  for (auto* child : command->get_subcommands()) {
    if (child->parsed()) return true;
  }
  return false;
}

}  // namespace

void Dispatch::online(CLI::App* command, Online run) {
  command->callback([this, command, run = std::move(run)] {
    if (!has_parsed_subcommand(command)) online_ = run;
  });
}

void Dispatch::offline(CLI::App* command, Offline run) {
  command->callback([this, command, run = std::move(run)] {
    if (!has_parsed_subcommand(command)) offline_ = run;
  });
}

int Dispatch::run(const Options& options) const {
  if (offline_) return offline_(options);
  if (!online_) throw CtlError(1, "no command");
  if (options.config.empty()) throw CtlError(1, "--config NODE.toml is required");
  Session session(options);
  return online_(session);
}

}  // namespace gosmart::ctl
