// gosmartctl profile submit | show | list | publish | revise | withdraw | renew
#include <iostream>

#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/table.hpp"

namespace gosmart::ctl {

namespace {

using Action = wire::ProfileTransition::Action;

void print_profile(wire::Profile::Reader p) {
  print_fields({{"id", p.getId().cStr()},
                {"kind", enum_text(p.getKind())},
                {"status", enum_text(p.getStatus())},
                {"title", p.getTitle().cStr()},
                {"owner", p.getOwnerId().cStr()},
                {"expires", p.getExpiresOn().cStr()},
                {"NACE", joined(p.getNaceCodes())},
                {"domains", joined(p.getDomains())},
                {"target countries", joined(p.getTargetCountries())},
                {"revision comment", p.getRevisionComment().cStr()},
                {"last actor", p.getLastActor().cStr()}});
}

void add_submit(CLI::App* profile, Dispatch& dispatch) {
  struct Args {
    std::string file, data, owner;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub =
      profile->add_subcommand("submit", "submit a profile (new, or a revision with its id)");
  sub->add_option("--file", a.file, "Profile as JSON, - for stdin");
  sub->add_option("--data", a.data, "the same, inline");
  sub->add_option("--owner", a.owner, "owner organisation id (overrides the JSON)");
  dispatch.online(sub, [&a](Session& s) {
    auto text = read_input(a.file, a.data);
    auto reply = s.request<wire::ProfileWrite>("registry", wire_type(wire::REGISTRY_PROFILE_SUBMIT),
                                               [&](auto w) {
                                                 fill_from_json(text, w.initProfile(), "profile");
                                                 if (!a.owner.empty())
                                                   w.getProfile().setOwnerId(a.owner);
                                               });
    show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
    return 0;
  });
}

void add_show(CLI::App* profile, Dispatch& dispatch) {
  auto& id = dispatch.hold<std::string>();
  auto* sub = profile->add_subcommand("show", "one profile (own or replicated)");
  sub->add_option("id", id)->required();
  dispatch.online(sub, [&id](Session& s) {
    auto reply = s.request<wire::ProfileGet>("registry", wire_type(wire::REGISTRY_PROFILE_GET),
                                             [&](auto g) { g.setId(id); });
    show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
    return 0;
  });
}

void add_list(CLI::App* profile, Dispatch& dispatch) {
  struct Args {
    std::string status, kind, country, owner, after;
    uint32_t limit = 0;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = profile->add_subcommand("list", "profiles, filtered");
  sub->add_option("--status", a.status, "draft, submitted, published, …");
  sub->add_option("--kind", a.kind, "technologyOffer, businessRequest, …");
  sub->add_option("--country", a.country, "country code");
  sub->add_option("--owner", a.owner, "owner organisation id");
  sub->add_option("--after", a.after, "paging: the last id seen");
  sub->add_option("--limit", a.limit, "at most this many");
  dispatch.online(sub, [&a](Session& s) {
    auto reply = s.request<wire::ProfileQuery>(
        "registry", wire_type(wire::REGISTRY_PROFILE_LIST), [&](auto q) {
          if (!a.status.empty()) q.setStatus(enum_named<wire::ProfileStatus>(a.status, "--status"));
          if (!a.kind.empty()) q.setKind(enum_named<wire::ProfileKind>(a.kind, "--kind"));
          q.setCountry(a.country);
          q.setOwnerId(a.owner);
          q.setAfterId(a.after);
          q.setLimit(a.limit);
        });
    show<wire::ProfilePage>(s, reply, [](auto page) {
      Table table({"ID", "KIND", "STATUS", "OWNER", "EXPIRES", "TITLE"});
      for (auto p : page.getProfiles()) {
        table.add({p.getId().cStr(), enum_text(p.getKind()), enum_text(p.getStatus()),
                   p.getOwnerId().cStr(), p.getExpiresOn().cStr(), p.getTitle().cStr()});
      }
      table.print(std::cout, colour_out());
      if (page.getNextAfterId().size())
        std::cout << "more: --after " << page.getNextAfterId().cStr() << "\n";
    });
    return 0;
  });
}

// One step of the brokered lifecycle: revise needs a comment, renew a new expiry.
void add_transition(CLI::App* profile, Dispatch& dispatch, const char* name, const char* help,
                    Action action) {
  struct Args {
    std::string id, comment, until;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = profile->add_subcommand(name, help);
  sub->add_option("id", a.id)->required();
  if (action == Action::REQUEST_REVISION) {
    sub->add_option("--comment", a.comment, "what the owner should change")->required();
  }
  if (action == Action::RENEW) {
    sub->add_option("--until", a.until, "new expiry date, YYYY-MM-DD")->required();
  }
  dispatch.online(sub, [&a, action](Session& s) {
    auto reply = s.request<wire::ProfileTransition>(
        "registry", wire_type(wire::REGISTRY_PROFILE_TRANSITION), [&](auto t) {
          t.setProfileId(a.id);
          t.setAction(action);
          t.setComment(a.comment);
          t.setNewExpiry(a.until);
        });
    show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
    return 0;
  });
}

}  // namespace

void add_profile_commands(CLI::App& app, Dispatch& dispatch) {
  auto* profile = app.add_subcommand("profile", "cooperation profiles")->require_subcommand(1);
  add_submit(profile, dispatch);
  add_show(profile, dispatch);
  add_list(profile, dispatch);
  add_transition(profile, dispatch, "publish",
                 "publish a submitted profile (broker, after validation)", Action::PUBLISH);
  add_transition(profile, dispatch, "revise", "send a profile back to its owner with a comment",
                 Action::REQUEST_REVISION);
  add_transition(profile, dispatch, "withdraw", "withdraw a profile", Action::WITHDRAW);
  add_transition(profile, dispatch, "renew", "extend a profile's expiry", Action::RENEW);
}

}  // namespace gosmart::ctl
