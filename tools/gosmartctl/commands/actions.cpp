// gosmartctl actions [--target ID] [--actor USER-ID] [--before N] [--limit N]
#include <ctime>
#include <iostream>

#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/table.hpp"

namespace gosmart::ctl {

namespace {

struct ActionsArgs {
  std::string target, actor;
  uint64_t before = 0;
  uint32_t limit = 0;
};

void print_actions(wire::ActionPage::Reader page) {
  Table table({"#", "WHEN (UTC)", "WHO", "ACTION", "TARGET", "DETAIL"});
  for (auto a : page.getActions()) {
    std::string target = a.getTarget().cStr();
    auto targets = a.getTargets();
    if (targets.size() > 1) {  // one entry for a run of the same change (an import)
      target += " … " + std::string(targets[targets.size() - 1].cStr()) + " (" +
                std::to_string(targets.size()) + ")";
    }
    table.add({std::to_string(a.getSeq()), utc_text(a.getAtUs()), a.getActor().cStr(),
               a.getAction().cStr(), target, a.getDetail().cStr()});
  }
  table.print(std::cout, colour_out());
  if (page.getNextBeforeSeq()) std::cout << "more: --before " << page.getNextBeforeSeq() << "\n";
}

}  // namespace

void add_actions_command(CLI::App& app, Dispatch& dispatch) {
  auto& a = dispatch.hold<ActionsArgs>();
  auto* actions = app.add_subcommand("actions", "who did what on this registry, newest first");
  actions->add_option("--target", a.target, "only actions on this organisation, profile or EoI");
  actions->add_option("--actor", a.actor, "only this caller (User-Id, e.g. broker:alice)");
  actions->add_option("--before", a.before, "paging: older than this action number");
  actions->add_option("--limit", a.limit, "at most this many");
  dispatch.online(actions, [&a](Session& s) {
    auto reply = s.request<wire::ActionQuery>("registry", wire_type(wire::REGISTRY_ACTIONS_LIST),
                                              [&](auto q) {
                                                q.setTarget(a.target);
                                                q.setActor(a.actor);
                                                q.setBeforeSeq(a.before);
                                                q.setLimit(a.limit);
                                              });
    show<wire::ActionPage>(s, reply, [](auto page) { print_actions(page); });
    return 0;
  });
}

}  // namespace gosmart::ctl
