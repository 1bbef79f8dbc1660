// gosmartctl: the operator's command line for a GoSmart node (docs: tools/gosmartctl/README.md).
//   gosmartctl --config pl/node.toml status [--federation] [--watch]
//   gosmartctl --config pl/node.toml org register --file org.json
//   gosmartctl keys generate --out ops/alice
// Human tables by default (colour only on a terminal), --json for scripts. Exit
// status: 0 done (status: healthy), 1 refused or invalid (status: degraded), 2 a
// service unreachable (status: this node down).
#include <capnp/compat/json.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "common/core/key_files.hpp"
#include "common/service/api_client.hpp"
#include "schemas/matching.capnp.h"
#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/session.hpp"
#include "tools/gosmartctl/status.hpp"
#include "tools/gosmartctl/table.hpp"
#include "tools/import/import_run.hpp"

using namespace gosmart;
using namespace gosmart::ctl;

namespace {

template <class Reader>
std::string json_of(Reader reader) {
  capnp::JsonCodec codec;
  codec.setPrettyPrint(true);
  return codec.encode(reader).cStr();
}

template <class Builder>
void fill_from_json(const std::string& text, Builder builder, const std::string& what) {
  capnp::JsonCodec codec;
  try {
    codec.decode(kj::ArrayPtr<const char>(text.data(), text.size()), builder);
  } catch (const kj::Exception& e) {
    throw CtlError(1, "invalid " + what + ": " + e.getDescription().cStr());
  }
}

template <class Enum>
Enum enum_named(const std::string& text, const std::string& option) {
  auto schema = capnp::Schema::from<Enum>();
  KJ_IF_MAYBE (found, schema.findEnumerantByName(text)) {
    return static_cast<Enum>(found->getOrdinal());
  }
  std::string names;
  for (auto e : schema.getEnumerants()) {
    if (e.getOrdinal() == 0) continue;
    names += (names.empty() ? "" : ", ") + std::string(e.getProto().getName().cStr());
  }
  throw CtlError(1, "invalid " + option + ": '" + text + "' (one of " + names + ")");
}

template <class Enum>
std::string enum_text(Enum value) {
  auto schema = capnp::Schema::from<Enum>();
  auto ordinal = static_cast<uint16_t>(value);
  if (ordinal < schema.getEnumerants().size()) {
    return schema.getEnumerants()[ordinal].getProto().getName().cStr();
  }
  return std::to_string(ordinal);
}

std::string read_input(const std::string& file, const std::string& data) {
  if (!data.empty()) return data;
  if (file.empty()) throw CtlError(1, "give --file FILE or --data JSON");
  std::ifstream in(file == "-" ? "/dev/stdin" : file);
  if (!in) throw CtlError(1, "cannot read " + file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class List>
std::string joined(List list) {
  std::string out;
  for (auto item : list) out += (out.empty() ? "" : ", ") + std::string(item.cStr());
  return out;
}

bool colour_out() {
  return ::isatty(STDOUT_FILENO) != 0;
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& [name, value] : fields) width = std::max(width, name.size());
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    std::cout << name << std::string(width - name.size() + 2, ' ') << value << "\n";
  }
}

void print_org(wire::Organisation::Reader org) {
  print_fields({{"id", org.getId().cStr()},
                {"name", org.getLegalName().cStr()},
                {"country", org.getCountry().cStr()},
                {"region", org.getRegion().cStr()},
                {"type", enum_text(org.getType())},
                {"size class", enum_text(org.getSizeClass())},
                {"NACE", joined(org.getNaceCodes())},
                {"domains", joined(org.getDomains())},
                {"languages", joined(org.getLanguages())},
                {"contacts", std::to_string(org.getContacts().size())},
                {"erased", org.getErased() ? "yes" : ""}});
}

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

void print_eoi(wire::ExpressionOfInterest::Reader e) {
  auto contact = [](wire::EoiContact::Reader c) {
    std::string out = c.getOrganisationName().cStr();
    if (c.getContactName().size()) out += ", " + std::string(c.getContactName().cStr());
    if (c.getEmail().size()) out += " <" + std::string(c.getEmail().cStr()) + ">";
    return out;
  };
  print_fields({{"id", e.getId().cStr()},
                {"status", e.getStatusReason().size()
                               ? enum_text(e.getStatus()) + " (" + e.getStatusReason().cStr() + ")"
                               : enum_text(e.getStatus())},
                {"profile", e.getProfileId().cStr()},
                {"owner country", e.getOwnerCountry().cStr()},
                {"sender",
                 std::string(e.getSenderOrgId().cStr()) + " (" + e.getSenderCountry().cStr() + ")"},
                {"message", e.getMessage().cStr()},
                {"sender contact", contact(e.getSenderContact())},
                {"owner contact", contact(e.getOwnerContact())}});
}

void print_matches(capnp::List<wire::Match>::Reader matches, bool with_why) {
  Table table({"#", "SCORE", "FWD", "BWD", "PROFILE", "COUNTRY", "KIND", "STATE", "TITLE"});
  char buf[16];
  for (unsigned i = 0; i < matches.size(); ++i) {
    auto m = matches[i];
    auto score = [&](double v) {
      std::snprintf(buf, sizeof buf, "%.3f", v);
      return std::string(buf);
    };
    table.add({std::to_string(i + 1), score(m.getScore()), score(m.getForward()),
               score(m.getBackward()), m.getB().getProfileId().cStr(), m.getB().getCountry().cStr(),
               enum_text(m.getB().getKind()),
               m.getState() == wire::MatchState::UNKNOWN ? "" : enum_text(m.getState()),
               m.getB().getTitle().cStr()});
  }
  table.print(std::cout, colour_out());
  if (!with_why) return;
  for (unsigned i = 0; i < matches.size(); ++i) {
    auto why = matches[i].getExplanation();
    std::string line = "  " + std::to_string(i + 1) + ". why:";
    if (why.getSharedDomains().size()) line += " domains " + joined(why.getSharedDomains()) + ";";
    for (auto link : why.getNaceLinks()) {
      line += std::string(" NACE ") + link.getCodeA().cStr() + "~" + link.getCodeB().cStr() + " (" +
              link.getLevel().cStr() + ");";
    }
    if (why.getSharedTerms().size()) {
      line += " terms";
      for (auto t : why.getSharedTerms()) line += std::string(" ") + t.getTerm().cStr();
      line += ";";
    }
    for (auto c : why.getSharedCooperationTypes()) line += " " + enum_text(c);
    if (why.getSharedLanguages().size()) line += " languages " + joined(why.getSharedLanguages());
    std::cout << line << "\n";
  }
}

// Prints a reply: its payload as JSON with --json, else through `human`.
template <class Payload, class Human>
void show(const Session& session, const DecodedEnvelope& reply, Human&& human) {
  auto payload = reply.payload<Payload>();
  if (session.options().json) {
    std::cout << json_of(payload) << "\n";
  } else {
    human(payload);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gosmartctl: run and watch a GoSmart node"};
  app.require_subcommand(1);
  app.fallthrough();  // --config, --json, … also after the command
  Options options;
  app.add_option("--config", options.config, "the node's config (node.toml)");
  app.add_option("--key", options.key,
                 "operator key prefix (PREFIX.public, PREFIX.secret); default: operator.* next "
                 "to the config or one directory up");
  app.add_flag("--json", options.json, "machine-readable output");
  app.add_option("--timeout-ms", options.timeout_ms, "how long to wait for a service")
      ->check(CLI::Range(100, 600000));

  // Each command is a function run with a session after parsing.
  std::function<int(Session&)> command;
  // A parent's callback may run after its subcommand's: it must not take over then.
  auto needs_session = [&](CLI::App* sub, std::function<int(Session&)> run) {
    sub->callback([&command, sub, run] {
      for (auto* child : sub->get_subcommands()) {
        if (child->parsed()) return;
      }
      command = run;
    });
  };

  // ---- status ----
  auto* status = app.add_subcommand("status", "health of this node's services (exit 0/1/2)");
  bool federation = false, watch = false;
  double interval = 2;
  status->add_flag("--federation", federation, "every node the config lists");
  status->add_flag("--watch", watch, "refresh in place until interrupted");
  status->add_option("--interval", interval, "seconds between refreshes")
      ->check(CLI::Range(0.2, 3600.0));
  needs_session(status, [&](Session& s) {
    while (true) {
      auto report = gather_status(s, federation);
      if (s.options().json) {
        std::cout << report.to_json().dump(2) << "\n";
      } else {
        if (watch) std::cout << "\033[H\033[2J";
        report.print(std::cout, colour_out());
      }
      if (!watch) return report.exit_code();
      std::cout.flush();
      std::this_thread::sleep_for(std::chrono::duration<double>(interval));
    }
  });

  // ---- organisations ----
  auto* org = app.add_subcommand("org", "organisations")->require_subcommand(1);
  std::string file, data, id, reason, update_id;
  auto* org_register = org->add_subcommand("register", "register (or --update ID) from JSON");
  org_register->add_option("--file", file,
                           "Organisation as JSON (schema field names), - for stdin");
  org_register->add_option("--data", data, "the same, inline");
  org_register->add_option("--update", update_id, "update this organisation instead");
  needs_session(org_register, [&](Session& s) {
    auto text = read_input(file, data);
    auto reply = s.request<wire::OrgWrite>(
        "registry", update_id.empty() ? "registry.org.register" : "registry.org.update",
        [&](auto w) {
          fill_from_json(text, w.initOrganisation(), "organisation");
          if (!update_id.empty()) w.getOrganisation().setId(update_id);
        });
    show<wire::OrgReply>(s, reply, [](auto r) { print_org(r.getOrganisation()); });
    return 0;
  });
  auto* org_show = org->add_subcommand("show", "one organisation");
  org_show->add_option("id", id)->required();
  needs_session(org_show, [&](Session& s) {
    auto reply =
        s.request<wire::OrgGet>("registry", "registry.org.get", [&](auto g) { g.setId(id); });
    show<wire::OrgReply>(s, reply, [](auto r) { print_org(r.getOrganisation()); });
    return 0;
  });
  std::string org_type, nace, domain, keyword, country, after;
  uint32_t limit = 0;
  auto add_org_filters = [&](CLI::App* sub) {
    sub->add_option("--type", org_type, "sme, university, researchInstitute, …");
    sub->add_option("--nace", nace, "NACE code prefix");
    sub->add_option("--domain", domain, "smart-specialisation domain");
    sub->add_option("--keyword", keyword, "keyword");
    sub->add_option("--country", country, "country code");
    sub->add_option("--after", after, "paging: the last id seen");
    sub->add_option("--limit", limit, "at most this many");
  };
  auto run_org_list = [&](Session& s) {
    auto reply = s.request<wire::OrgQuery>("registry", "registry.org.list", [&](auto q) {
      if (!org_type.empty()) q.setType(enum_named<wire::OrgType>(org_type, "--type"));
      q.setNacePrefix(nace);
      q.setDomain(domain);
      q.setKeyword(keyword);
      q.setCountry(country);
      q.setAfterId(after);
      q.setLimit(limit);
    });
    show<wire::OrgPage>(s, reply, [](auto page) {
      Table table({"ID", "NAME", "COUNTRY", "TYPE", "SIZE", "NACE"});
      for (auto o : page.getOrganisations()) {
        table.add({o.getId().cStr(), o.getLegalName().cStr(), o.getCountry().cStr(),
                   enum_text(o.getType()), enum_text(o.getSizeClass()), joined(o.getNaceCodes())});
      }
      for (auto o : page.getReplicas()) {
        table.add({o.getId().cStr(),
                   o.getLegalName().size() ? o.getLegalName().cStr() : "(anonymous)",
                   o.getCountry().cStr(), enum_text(o.getType()), enum_text(o.getSizeClass()),
                   joined(o.getNaceCodes())});
      }
      table.print(std::cout, colour_out());
      if (page.getNextAfterId().size())
        std::cout << "more: --after " << page.getNextAfterId().cStr() << "\n";
    });
    return 0;
  };
  auto* org_list = org->add_subcommand("list", "organisations, own and replicated, filtered");
  add_org_filters(org_list);
  needs_session(org_list, run_org_list);
  auto* org_search = org->add_subcommand("search", "organisations by keyword (and filters)");
  add_org_filters(org_search);
  org_search->add_option("text", keyword, "keyword")->required();
  needs_session(org_search, run_org_list);
  auto* org_import = org->add_subcommand("import", "JSON Lines of organisations and profiles");
  std::size_t window = 64;
  org_import->add_option("file", file, "JSON Lines file")->required()->check(CLI::ExistingFile);
  org_import->add_option("--window", window, "requests in flight")->check(CLI::Range(1, 1024));
  needs_session(org_import, [&](Session& s) {
    service::ApiClient client(s.transport(), s.endpoint_of("registry"), s.node().public_key);
    bool progress = !s.options().json && ::isatty(STDERR_FILENO);
    import::ImportReport result;
    try {
      result = import::run_import(client, s.node().country, file, window,
                                  [&](const char* what, std::size_t done, std::size_t total) {
                                    if (progress && (done % 100 == 0 || done == total)) {
                                      std::cerr << "\r" << what << " " << done << "/" << total
                                                << std::flush;
                                    }
                                  });
    } catch (const std::runtime_error& e) {
      throw CtlError(client.refused() ? 1 : 2, std::string("import stopped: ") + e.what());
    }
    if (progress) std::cerr << "\n";
    if (s.options().json) {
      nlohmann::json lines = nlohmann::json::object();
      for (const auto& [number, text] : result.lines) lines[std::to_string(number)] = text;
      std::cout << nlohmann::json{{"organisations", result.organisations},
                                  {"profiles", result.profiles},
                                  {"published", result.published},
                                  {"rejected", result.rejected},
                                  {"lines", lines}}
                       .dump(2)
                << "\n";
    } else {
      for (const auto& [number, text] : result.lines)
        std::cout << "line " << number << ": " << text << "\n";
      std::cout << "imported " << result.organisations << " organisations and " << result.profiles
                << " profiles (" << result.published << " published); rejected " << result.rejected
                << " lines\n";
    }
    return result.rejected == 0 ? 0 : 1;
  });
  auto* org_erase = org->add_subcommand("erase", "erase an organisation (data-protection request)");
  org_erase->add_option("id", id)->required();
  org_erase->add_option("--reason", reason, "why (kept in the node's log)")->required();
  needs_session(org_erase, [&](Session& s) {
    auto reply = s.request<wire::OrgErase>("registry", "registry.org.erase", [&](auto e) {
      e.setId(id);
      e.setReason(reason);
    });
    show<wire::OrgErasedReply>(s, reply, [](auto r) {
      std::cout << "erased " << r.getOrganisationId().cStr() << "; profiles withdrawn: "
                << (r.getProfilesWithdrawn().size() ? joined(r.getProfilesWithdrawn()) : "none")
                << "\n";
    });
    return 0;
  });

  // ---- profiles ----
  auto* profile = app.add_subcommand("profile", "cooperation profiles")->require_subcommand(1);
  std::string owner;
  auto* submit =
      profile->add_subcommand("submit", "submit a profile (new, or a revision with its id)");
  submit->add_option("--file", file, "Profile as JSON, - for stdin");
  submit->add_option("--data", data, "the same, inline");
  submit->add_option("--owner", owner, "owner organisation id (overrides the JSON)");
  needs_session(submit, [&](Session& s) {
    auto text = read_input(file, data);
    auto reply = s.request<wire::ProfileWrite>("registry", "registry.profile.submit", [&](auto w) {
      fill_from_json(text, w.initProfile(), "profile");
      if (!owner.empty()) w.getProfile().setOwnerId(owner);
    });
    show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
    return 0;
  });
  auto* profile_show = profile->add_subcommand("show", "one profile (own or replicated)");
  profile_show->add_option("id", id)->required();
  needs_session(profile_show, [&](Session& s) {
    auto reply = s.request<wire::ProfileGet>("registry", "registry.profile.get",
                                             [&](auto g) { g.setId(id); });
    show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
    return 0;
  });
  std::string status_filter, kind_filter;
  auto* profile_list = profile->add_subcommand("list", "profiles, filtered");
  profile_list->add_option("--status", status_filter, "draft, submitted, published, …");
  profile_list->add_option("--kind", kind_filter, "technologyOffer, businessRequest, …");
  profile_list->add_option("--country", country, "country code");
  profile_list->add_option("--owner", owner, "owner organisation id");
  profile_list->add_option("--after", after, "paging: the last id seen");
  profile_list->add_option("--limit", limit, "at most this many");
  needs_session(profile_list, [&](Session& s) {
    auto reply = s.request<wire::ProfileQuery>("registry", "registry.profile.list", [&](auto q) {
      if (!status_filter.empty())
        q.setStatus(enum_named<wire::ProfileStatus>(status_filter, "--status"));
      if (!kind_filter.empty()) q.setKind(enum_named<wire::ProfileKind>(kind_filter, "--kind"));
      q.setCountry(country);
      q.setOwnerId(owner);
      q.setAfterId(after);
      q.setLimit(limit);
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
  std::string comment, until;
  auto transition = [&](const char* name, const char* help,
                        wire::ProfileTransition::Action action) {
    auto* sub = profile->add_subcommand(name, help);
    sub->add_option("id", id)->required();
    if (action == wire::ProfileTransition::Action::REQUEST_REVISION) {
      sub->add_option("--comment", comment, "what the owner should change")->required();
    }
    if (action == wire::ProfileTransition::Action::RENEW) {
      sub->add_option("--until", until, "new expiry date, YYYY-MM-DD")->required();
    }
    needs_session(sub, [&, action](Session& s) {
      auto reply = s.request<wire::ProfileTransition>("registry", "registry.profile.transition",
                                                      [&](auto t) {
                                                        t.setProfileId(id);
                                                        t.setAction(action);
                                                        t.setComment(comment);
                                                        t.setNewExpiry(until);
                                                      });
      show<wire::ProfileReply>(s, reply, [](auto r) { print_profile(r.getProfile()); });
      return 0;
    });
  };
  transition("publish", "publish a submitted profile (broker, after validation)",
             wire::ProfileTransition::Action::PUBLISH);
  transition("revise", "send a profile back to its owner with a comment",
             wire::ProfileTransition::Action::REQUEST_REVISION);
  transition("withdraw", "withdraw a profile", wire::ProfileTransition::Action::WITHDRAW);
  transition("renew", "extend a profile's expiry", wire::ProfileTransition::Action::RENEW);

  // ---- matching ----
  auto* match = app.add_subcommand("match", "partners of a profile, with explanations");
  std::string profile_id;
  match->add_option("profile", profile_id, "profile reference");
  match->add_option("--limit", limit, "top K (default 10)");
  std::string text;
  std::vector<std::string> keywords, codes, domains, countries;
  auto* search = match->add_subcommand("search", "partners for a free query");
  search->add_option("--text", text, "free text");
  search->add_option("--keyword", keywords, "keywords");
  search->add_option("--nace", codes, "NACE codes");
  search->add_option("--domain", domains, "domains");
  search->add_option("--country", countries, "only these countries");
  search->add_option("--limit", limit, "top K (default 10)");
  needs_session(search, [&](Session& s) {
    auto reply = s.request<wire::SearchRequest>("matching", "matching.search", [&](auto q) {
      q.setText(text);
      auto set = [](auto list, const std::vector<std::string>& values) {
        for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
      };
      set(q.initKeywords(static_cast<unsigned>(keywords.size())), keywords);
      set(q.initNaceCodes(static_cast<unsigned>(codes.size())), codes);
      set(q.initDomains(static_cast<unsigned>(domains.size())), domains);
      set(q.initCountries(static_cast<unsigned>(countries.size())), countries);
      q.setLimit(limit);
    });
    show<wire::PartnersReply>(s, reply, [](auto r) { print_matches(r.getMatches(), true); });
    return 0;
  });
  needs_session(match, [&](Session& s) {
    if (profile_id.empty()) throw CtlError(1, "match: give a profile reference (or: match search)");
    auto reply = s.request<wire::PartnersRequest>("matching", "matching.partners", [&](auto r) {
      r.setProfileId(profile_id);
      r.setLimit(limit);
    });
    show<wire::PartnersReply>(s, reply, [](auto r) { print_matches(r.getMatches(), true); });
    return 0;
  });
  auto* queue = app.add_subcommand("queue", "matches waiting for a broker")->require_subcommand(1);
  auto* queue_list = queue->add_subcommand("list", "pending matches, oldest first");
  needs_session(queue_list, [&](Session& s) {
    auto reply = s.request<wire::QueueRequest>("matching", "matching.queue",
                                               [&](auto q) { q.setLimit(limit); });
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
  auto decision = [&](const char* name, bool approve) {
    auto* sub =
        queue->add_subcommand(name, approve ? "announce a match to the SMEs" : "dismiss a match");
    sub->add_option("match", id)->required();
    sub->add_option("--comment", comment, "the broker's note");
    needs_session(sub, [&, approve](Session& s) {
      auto reply = s.request<wire::MatchDecision>("matching", "matching.decide", [&](auto d) {
        d.setMatchId(id);
        d.setApprove(approve);
        d.setComment(comment);
      });
      show<wire::MatchReply>(s, reply, [](auto r) {
        std::cout << r.getMatch().getId().cStr() << " " << enum_text(r.getMatch().getState())
                  << " by " << r.getMatch().getDecidedBy().cStr() << "\n";
      });
      return 0;
    });
  };
  decision("approve", true);
  decision("dismiss", false);

  // ---- expressions of interest ----
  auto* eoi = app.add_subcommand("eoi", "expressions of interest")->require_subcommand(1);
  std::string from, message, eoi_status;
  bool consent = false, accept = false, decline = false;
  auto* eoi_send = eoi->add_subcommand("send", "express interest in a foreign profile");
  eoi_send->add_option("--profile", profile_id, "the published profile")->required();
  eoi_send->add_option("--from", from, "this node's organisation expressing interest")->required();
  eoi_send->add_option("--message", message, "a short message")->required();
  eoi_send->add_flag("--consent", consent, "the organisation consents to share its details");
  needs_session(eoi_send, [&](Session& s) {
    auto reply = s.request<wire::EoiSend>("registry", "registry.eoi.send", [&](auto e) {
      e.setProfileId(profile_id);
      e.setSenderOrgId(from);
      e.setMessage(message);
      e.setConsentToShare(consent);
    });
    show<wire::EoiReply>(s, reply, [](auto r) { print_eoi(r.getEoi()); });
    return 0;
  });
  auto* eoi_answer = eoi->add_subcommand("answer", "the owner's answer");
  eoi_answer->add_option("id", id)->required();
  auto* accept_flag = eoi_answer->add_flag("--accept", accept, "accept: contacts are exchanged");
  eoi_answer->add_flag("--decline", decline, "decline")->excludes(accept_flag);
  needs_session(eoi_answer, [&](Session& s) {
    if (accept == decline) throw CtlError(1, "eoi answer: give --accept or --decline");
    auto reply = s.request<wire::EoiAnswer>("registry", "registry.eoi.answer", [&](auto a) {
      a.setEoiId(id);
      a.setAccept(accept);
    });
    show<wire::EoiReply>(s, reply, [](auto r) { print_eoi(r.getEoi()); });
    return 0;
  });
  auto* eoi_advance =
      eoi->add_subcommand("advance", "move an EoI on (contactStarted, negotiation, agreement, …)");
  eoi_advance->add_option("id", id)->required();
  eoi_advance->add_option("--status", eoi_status, "the new status")->required();
  needs_session(eoi_advance, [&](Session& s) {
    auto reply = s.request<wire::EoiAdvance>("registry", "registry.eoi.advance", [&](auto a) {
      a.setEoiId(id);
      a.setStatus(enum_named<wire::EoiStatus>(eoi_status, "--status"));
    });
    show<wire::EoiReply>(s, reply, [](auto r) { print_eoi(r.getEoi()); });
    return 0;
  });
  auto* eoi_show = eoi->add_subcommand("show", "one expression of interest");
  eoi_show->add_option("id", id)->required();
  needs_session(eoi_show, [&](Session& s) {
    auto reply =
        s.request<wire::EoiGet>("registry", "registry.eoi.get", [&](auto g) { g.setId(id); });
    show<wire::EoiReply>(s, reply, [](auto r) { print_eoi(r.getEoi()); });
    return 0;
  });

  // ---- the broker action log ----
  auto* actions = app.add_subcommand("actions", "who did what on this registry, newest first");
  std::string actor;
  uint64_t before = 0;
  actions->add_option("--target", id, "only actions on this organisation, profile or EoI");
  actions->add_option("--actor", actor, "only this caller (User-Id, e.g. broker:alice)");
  actions->add_option("--before", before, "paging: older than this action number");
  actions->add_option("--limit", limit, "at most this many");
  needs_session(actions, [&](Session& s) {
    auto reply = s.request<wire::ActionQuery>("registry", "registry.actions.list", [&](auto q) {
      q.setTarget(id);
      q.setActor(actor);
      q.setBeforeSeq(before);
      q.setLimit(limit);
    });
    show<wire::ActionPage>(s, reply, [](auto page) {
      Table table({"#", "WHEN (UTC)", "WHO", "ACTION", "TARGET", "DETAIL"});
      for (auto a : page.getActions()) {
        std::time_t seconds = static_cast<std::time_t>(a.getAtUs() / 1'000'000);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &utc);
        std::string target = a.getTarget().cStr();
        auto targets = a.getTargets();
        if (targets.size() > 1) {  // one entry for a run of the same change (an import)
          target += " … " + std::string(targets[targets.size() - 1].cStr()) + " (" +
                    std::to_string(targets.size()) + ")";
        }
        table.add({std::to_string(a.getSeq()), when, a.getActor().cStr(), a.getAction().cStr(),
                   target, a.getDetail().cStr()});
      }
      table.print(std::cout, colour_out());
      if (page.getNextBeforeSeq())
        std::cout << "more: --before " << page.getNextBeforeSeq() << "\n";
    });
    return 0;
  });

  // ---- keys ----
  auto* keys = app.add_subcommand("keys", "CURVE keys")->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "a keypair for a node or an operator");
  std::string out_prefix;
  generate->add_option("--out", out_prefix,
                       "write PREFIX.public and PREFIX.secret (0600); default: print both");
  std::function<int()> offline;
  generate->callback([&] {
    offline = [&] {
      auto pair = curve::generate_keypair();
      if (!out_prefix.empty()) {
        if (std::filesystem::exists(out_prefix + ".secret")) {
          throw CtlError(1, out_prefix + ".secret exists: not overwritten");
        }
        curve::write_key_files(out_prefix, pair);
      }
      if (options.json) {
        nlohmann::json out = {{"public", pair.public_key}};
        if (out_prefix.empty()) out["secret"] = pair.secret_key;
        std::cout << out.dump(2) << "\n";
      } else if (out_prefix.empty()) {
        std::cout << "public " << pair.public_key << "\nsecret " << pair.secret_key << "\n";
      } else {
        std::cout << pair.public_key << "\n";
      }
      return 0;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (offline) return offline();
    if (!command) throw CtlError(1, "no command");
    if (options.config.empty()) throw CtlError(1, "--config NODE.toml is required");
    Session session(options);
    return command(session);
  } catch (const CtlError& e) {
    std::cerr << "gosmartctl: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "gosmartctl: " << e.what() << "\n";
    return 2;
  }
}
