#pragma once
// How a command group hands its commands to main(): a group adds its CLI11
// subcommands, keeps their option variables here and says what each one runs; main()
// parses the command line and runs the one command given.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "tools/gosmartctl/session.hpp"

namespace gosmart::ctl {

class Dispatch {
 public:
  using Online = std::function<int(Session&)>;         // speaks to the node's services
  using Offline = std::function<int(const Options&)>;  // needs no node (keys generate)

  // `run` is what `command` does when it is the command given, not one of its subcommands.
  void online(CLI::App* command, Online run);
  void offline(CLI::App* command, Offline run);

  // Room for a command's option variables, alive as long as this dispatch.
  template <class T>
  T& hold() {
    auto held = std::make_shared<T>();
    held_.push_back(held);
    return *held;
  }

  // Runs the command given after parsing: an offline one at once, an online one in a
  // session on --config. A refusal is a CtlError.
  int run(const Options& options) const;

 private:
  Online online_;
  Offline offline_;
  std::vector<std::shared_ptr<void>> held_;
};

}  // namespace gosmart::ctl
