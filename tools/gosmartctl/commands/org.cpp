// gosmartctl org register | show | list | search | import | erase
#include <unistd.h>

#include <iostream>

#include "schemas/registry.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/table.hpp"
#include "tools/import/import_run.hpp"

namespace gosmart::ctl {

namespace {

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

void add_register(CLI::App* org, Dispatch& dispatch) {
  struct Args {
    std::string file, data, update_id;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = org->add_subcommand("register", "register (or --update ID) from JSON");
  sub->add_option("--file", a.file, "Organisation as JSON (schema field names), - for stdin");
  sub->add_option("--data", a.data, "the same, inline");
  sub->add_option("--update", a.update_id, "update this organisation instead");
  dispatch.online(sub, [&a](Session& s) {
    auto text = read_input(a.file, a.data);
    auto reply =
        s.request<wire::OrgWrite>("registry",
                                  a.update_id.empty() ? wire_type(wire::REGISTRY_ORG_REGISTER)
                                                      : wire_type(wire::REGISTRY_ORG_UPDATE),
                                  [&](auto w) {
                                    fill_from_json(text, w.initOrganisation(), "organisation");
                                    if (!a.update_id.empty())
                                      w.getOrganisation().setId(a.update_id);
                                  });
    show<wire::OrgReply>(s, reply, [](auto r) { print_org(r.getOrganisation()); });
    return 0;
  });
}

void add_show(CLI::App* org, Dispatch& dispatch) {
  auto& id = dispatch.hold<std::string>();
  auto* sub = org->add_subcommand("show", "one organisation");
  sub->add_option("id", id)->required();
  dispatch.online(sub, [&id](Session& s) {
    auto reply = s.request<wire::OrgGet>("registry", wire_type(wire::REGISTRY_ORG_GET),
                                         [&](auto g) { g.setId(id); });
    show<wire::OrgReply>(s, reply, [](auto r) { print_org(r.getOrganisation()); });
    return 0;
  });
}

struct OrgFilters {
  std::string type, nace, domain, keyword, country, after;
  uint32_t limit = 0;
};

void add_filter_options(CLI::App* sub, OrgFilters& f) {
  sub->add_option("--type", f.type, "sme, university, researchInstitute, …");
  sub->add_option("--nace", f.nace, "NACE code prefix");
  sub->add_option("--domain", f.domain, "smart-specialisation domain");
  sub->add_option("--keyword", f.keyword, "keyword");
  sub->add_option("--country", f.country, "country code");
  sub->add_option("--after", f.after, "paging: the last id seen");
  sub->add_option("--limit", f.limit, "at most this many");
}

int list_orgs(Session& s, const OrgFilters& f) {
  auto reply =
      s.request<wire::OrgQuery>("registry", wire_type(wire::REGISTRY_ORG_LIST), [&](auto q) {
        if (!f.type.empty()) q.setType(enum_named<wire::OrgType>(f.type, "--type"));
        q.setNacePrefix(f.nace);
        q.setDomain(f.domain);
        q.setKeyword(f.keyword);
        q.setCountry(f.country);
        q.setAfterId(f.after);
        q.setLimit(f.limit);
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
}

void add_list_and_search(CLI::App* org, Dispatch& dispatch) {
  auto& listed = dispatch.hold<OrgFilters>();
  auto* list = org->add_subcommand("list", "organisations, own and replicated, filtered");
  add_filter_options(list, listed);
  dispatch.online(list, [&listed](Session& s) { return list_orgs(s, listed); });

  auto& searched = dispatch.hold<OrgFilters>();
  auto* search = org->add_subcommand("search", "organisations by keyword (and filters)");
  add_filter_options(search, searched);
  search->add_option("text", searched.keyword, "keyword")->required();
  dispatch.online(search, [&searched](Session& s) { return list_orgs(s, searched); });
}

void add_import(CLI::App* org, Dispatch& dispatch) {
  struct Args {
    std::string file;
    std::size_t window = 64;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = org->add_subcommand("import", "JSON Lines of organisations and profiles");
  sub->add_option("file", a.file, "JSON Lines file")->required()->check(CLI::ExistingFile);
  sub->add_option("--window", a.window, "requests in flight")->check(CLI::Range(1, 1024));
  dispatch.online(sub, [&a](Session& s) {
    service::ApiClient client(s.transport(), s.endpoint_of("registry"), s.node().public_key);
    bool progress = !s.options().json && ::isatty(STDERR_FILENO);
    import::ImportOptions options;
    options.window = a.window;
    options.idle = std::chrono::milliseconds(s.options().timeout_ms);
    options.max_message_bytes = s.node().limits.max_message_bytes;
    import::ImportReport report;
    try {
      report = import::run_import(client, s.node().country, a.file, options,
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
      std::cout << report.to_json().dump(2) << "\n";
    } else {
      report.print(std::cout);
    }
    return report.exit_code();
  });
}

void add_erase(CLI::App* org, Dispatch& dispatch) {
  struct Args {
    std::string id, reason;
  };
  auto& a = dispatch.hold<Args>();
  auto* sub = org->add_subcommand("erase", "erase an organisation (data-protection request)");
  sub->add_option("id", a.id)->required();
  sub->add_option("--reason", a.reason, "why (kept in the node's log)")->required();
  dispatch.online(sub, [&a](Session& s) {
    auto reply =
        s.request<wire::OrgErase>("registry", wire_type(wire::REGISTRY_ORG_ERASE), [&](auto e) {
          e.setId(a.id);
          e.setReason(a.reason);
        });
    show<wire::OrgErasedReply>(s, reply, [](auto r) {
      std::cout << "erased " << r.getOrganisationId().cStr() << "; profiles withdrawn: "
                << (r.getProfilesWithdrawn().size() ? joined(r.getProfilesWithdrawn()) : "none")
                << "\n";
    });
    return 0;
  });
}

}  // namespace

void add_org_commands(CLI::App& app, Dispatch& dispatch) {
  auto* org = app.add_subcommand("org", "organisations")->require_subcommand(1);
  add_register(org, dispatch);
  add_show(org, dispatch);
  add_list_and_search(org, dispatch);
  add_import(org, dispatch);
  add_erase(org, dispatch);
}

}  // namespace gosmart::ctl
