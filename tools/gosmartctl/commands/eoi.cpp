// gosmartctl eoi send | answer | advance | show (expressions of interest)
#include <iostream>

#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"

namespace gosmart::ctl {

namespace {

std::string contact_text(wire::EoiContact::Reader c) {
  std::string out = c.getOrganisationName().cStr();
  if (c.getContactName().size()) out += ", " + std::string(c.getContactName().cStr());
  if (c.getEmail().size()) out += " <" + std::string(c.getEmail().cStr()) + ">";
  return out;
}

void print_eoi(wire::ExpressionOfInterest::Reader e) {
  print_fields(
      {{"id", e.getId().cStr()},
       {"status", e.getStatusReason().size()
                      ? enum_text(e.getStatus()) + " (" + e.getStatusReason().cStr() + ")"
                      : enum_text(e.getStatus())},
       {"profile", e.getTargetOrgId().size()
                       ? std::string("(none: to organisation ") + e.getTargetOrgId().cStr() +
                             " for research request " + e.getAboutProfileId().cStr() + ")"
                       : std::string(e.getProfileId().cStr())},
       {"owner country", e.getOwnerCountry().cStr()},
       {"sender",
        std::string(e.getSenderOrgId().cStr()) + " (" + e.getSenderCountry().cStr() + ")"},
       {"message", e.getMessage().cStr()},
       {"sender contact", contact_text(e.getSenderContact())},
       {"owner contact", contact_text(e.getOwnerContact())}});
}

void show_eoi(Session& s, const DecodedEnvelope& reply) {
  show<wire::EoiReply>(s, reply, [](auto r) { print_eoi(r.getEoi()); });
}

void add_send(CLI::App* eoi, Dispatch& dispatch) {
  struct Args {
    std::string profile_id, org_id, about, from, message;
    bool consent = false;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = eoi->add_subcommand(
      "send",
      "express interest in a foreign profile, or address an organisation found for a "
      "research request");
  auto* profile = sub->add_option("--profile", a.profile_id, "the published profile");
  auto* org = sub->add_option("--org", a.org_id,
                              "instead: an organisation without a profile that `match` listed "
                              "for your research request (give --about)")
                  ->excludes(profile);
  sub->add_option("--about", a.about, "with --org: your published research request")->needs(org);
  sub->add_option("--from", a.from, "this node's organisation expressing interest")->required();
  sub->add_option("--message", a.message, "a short message")->required();
  sub->add_flag("--consent", a.consent, "the organisation consents to share its details");
  dispatch.online(sub, [&a](Session& s) {
    if (a.profile_id.empty() == a.org_id.empty()) {
      throw CtlError(1, "eoi send: give --profile, or --org with --about");
    }
    if (!a.org_id.empty() && a.about.empty()) {
      throw CtlError(1, "eoi send: --org needs --about (your research request)");
    }
    auto reply =
        s.request<wire::EoiSend>("registry", wire_type(wire::REGISTRY_EOI_SEND), [&](auto e) {
          e.setProfileId(a.profile_id);
          e.setTargetOrgId(a.org_id);
          e.setAboutProfileId(a.about);
          e.setSenderOrgId(a.from);
          e.setMessage(a.message);
          e.setConsentToShare(a.consent);
        });
    show_eoi(s, reply);
    return 0;
  });
}

void add_answer(CLI::App* eoi, Dispatch& dispatch) {
  struct Args {
    std::string id;
    bool accept = false, decline = false;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = eoi->add_subcommand("answer", "the owner's answer");
  sub->add_option("id", a.id)->required();
  auto* accept = sub->add_flag("--accept", a.accept, "accept: contacts are exchanged");
  sub->add_flag("--decline", a.decline, "decline")->excludes(accept);
  dispatch.online(sub, [&a](Session& s) {
    if (a.accept == a.decline) throw CtlError(1, "eoi answer: give --accept or --decline");
    auto reply = s.request<wire::EoiAnswer>("registry", wire_type(wire::REGISTRY_EOI_ANSWER),
                                            [&](auto answer) {
                                              answer.setEoiId(a.id);
                                              answer.setAccept(a.accept);
                                            });
    show_eoi(s, reply);
    return 0;
  });
}

void add_advance(CLI::App* eoi, Dispatch& dispatch) {
  struct Args {
    std::string id, status;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub =
      eoi->add_subcommand("advance", "move an EoI on (contactStarted, negotiation, agreement, …)");
  sub->add_option("id", a.id)->required();
  sub->add_option("--status", a.status, "the new status")->required();
  dispatch.online(sub, [&a](Session& s) {
    auto reply =
        s.request<wire::EoiAdvance>("registry", wire_type(wire::REGISTRY_EOI_ADVANCE), [&](auto e) {
          e.setEoiId(a.id);
          e.setStatus(enum_named<wire::EoiStatus>(a.status, "--status"));
        });
    show_eoi(s, reply);
    return 0;
  });
}

void add_show(CLI::App* eoi, Dispatch& dispatch) {
  auto& id = dispatch.hold<std::string>();
  auto* sub = eoi->add_subcommand("show", "one expression of interest");
  sub->add_option("id", id)->required();
  dispatch.online(sub, [&id](Session& s) {
    auto reply = s.request<wire::EoiGet>("registry", wire_type(wire::REGISTRY_EOI_GET),
                                         [&](auto g) { g.setId(id); });
    show_eoi(s, reply);
    return 0;
  });
}

}  // namespace

void add_eoi_commands(CLI::App& app, Dispatch& dispatch) {
  auto* eoi = app.add_subcommand("eoi", "expressions of interest")->require_subcommand(1);
  add_send(eoi, dispatch);
  add_answer(eoi, dispatch);
  add_advance(eoi, dispatch);
  add_show(eoi, dispatch);
}

}  // namespace gosmart::ctl
