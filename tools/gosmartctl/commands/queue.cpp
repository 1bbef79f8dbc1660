// gosmartctl queue list | approve MATCH | dismiss MATCH (the broker approval queue)
#include <cstdio>
#include <iostream>

#include "schemas/matching.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/table.hpp"

namespace gosmart::ctl {

namespace {

void add_list(CLI::App* queue, Dispatch& dispatch) {
  auto* sub = queue->add_subcommand("list", "pending matches, oldest first");
  dispatch.online(sub, [](Session& s) {
    // No limit given: the service answers its default (100).
    auto reply =
        s.request<wire::QueueRequest>("matching", wire_type(wire::MATCHING_QUEUE), [](auto) {});
    show<wire::QueueReply>(s, reply, [](auto r) {
      Table table({"MATCH", "SCORE", "A", "B", "B COUNTRY", "B TITLE"});
      for (auto m : r.getMatches()) {
        char score[16];
        std::snprintf(score, sizeof score, "%.3f", m.getScore());
        table.add({m.getId().cStr(), score, m.getA().getProfileId().cStr(),
                   m.getB().getProfileId().cStr(), m.getB().getCountry().cStr(),
                   m.getB().getTitle().cStr()});
      }
      table.print(std::cout, colour_out());
    });
    return 0;
  });
}

void add_decision(CLI::App* queue, Dispatch& dispatch, const char* name, bool approve) {
  struct Args {
    std::string match_id, comment;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub =
      queue->add_subcommand(name, approve ? "announce a match to the SMEs" : "dismiss a match");
  sub->add_option("match", a.match_id)->required();
  sub->add_option("--comment", a.comment, "the broker's note");
  dispatch.online(sub, [&a, approve](Session& s) {
    auto reply =
        s.request<wire::MatchDecision>("matching", wire_type(wire::MATCHING_DECIDE), [&](auto d) {
          d.setMatchId(a.match_id);
          d.setApprove(approve);
          d.setComment(a.comment);
        });
    show<wire::MatchReply>(s, reply, [](auto r) {
      std::cout << r.getMatch().getId().cStr() << " " << enum_text(r.getMatch().getState())
                << " by " << r.getMatch().getDecidedBy().cStr() << "\n";
    });
    return 0;
  });
}

}  // namespace

void add_queue_commands(CLI::App& app, Dispatch& dispatch) {
  auto* queue = app.add_subcommand("queue", "matches waiting for a broker")->require_subcommand(1);
  add_list(queue, dispatch);
  add_decision(queue, dispatch, "approve", true);
  add_decision(queue, dispatch, "dismiss", false);
}

}  // namespace gosmart::ctl
