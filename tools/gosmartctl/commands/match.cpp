// gosmartctl match PROFILE [--limit K] [--all], gosmartctl match search …
#include <cstdio>
#include <iostream>

#include "schemas/matching.capnp.h"
#include "tools/gosmartctl/commands/commands.hpp"
#include "tools/gosmartctl/output.hpp"
#include "tools/gosmartctl/table.hpp"

namespace gosmart::ctl {

namespace {

std::string score_text(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", score);
  return buf;
}

// One line of "why" for each match: shared domains, NACE links, terms, cooperation
// types and languages.
std::string explanation_line(unsigned rank, wire::Explanation::Reader why) {
  std::string line = "  " + std::to_string(rank) + ". why:";
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
  for (auto unmet : why.getUnmetPreferences()) line += std::string("; ") + unmet.cStr();
  return line;
}

// What the list is, and for an empty one why: "12 same country, 30 expired, …".
void print_header(wire::PartnersReply::Reader reply) {
  if (reply.getShows().size()) std::cout << reply.getShows().cStr() << "\n";
  if (reply.getMatches().size() > 0) return;
  std::string why;
  for (auto rule : reply.getExcluded()) {
    why +=
        (why.empty() ? "" : ", ") + std::to_string(rule.getCount()) + " " + rule.getRule().cStr();
  }
  std::cout << "no partner" << (why.empty() ? ": no candidate of the kinds sought" : ": " + why)
            << "\n";
}

void print_matches(capnp::List<wire::Match>::Reader matches) {
  Table table({"#", "SCORE", "FWD", "BWD", "PROFILE", "COUNTRY", "KIND", "STATE", "TITLE"});
  for (unsigned i = 0; i < matches.size(); ++i) {
    auto m = matches[i];
    table.add({std::to_string(i + 1), score_text(m.getScore()), score_text(m.getForward()),
               score_text(m.getBackward()), m.getB().getProfileId().cStr(),
               m.getB().getCountry().cStr(), enum_text(m.getB().getKind()),
               m.getWeaker()                               ? std::string("weaker")
               : m.getState() == wire::MatchState::UNKNOWN ? std::string()
                                                           : enum_text(m.getState()),
               m.getB().getTitle().cStr()});
  }
  table.print(std::cout, colour_out());
  for (unsigned i = 0; i < matches.size(); ++i) {
    std::cout << explanation_line(i + 1, matches[i].getExplanation()) << "\n";
  }
}

struct MatchArgs {
  std::string profile_id;
  uint32_t limit = 0;  // 0: the node's top_k
  bool all = false;    // weaker candidates too, marked
};

struct SearchArgs {
  std::string text;
  std::vector<std::string> keywords, codes, domains, countries;
};

void add_search(CLI::App* match, Dispatch& dispatch, MatchArgs& m) {
  auto& a = dispatch.hold<SearchArgs>();
  auto* search = match->add_subcommand("search", "partners for a free query");
  search->add_option("--text", a.text, "free text");
  search->add_option("--keyword", a.keywords, "keywords");
  search->add_option("--nace", a.codes, "NACE codes");
  search->add_option("--domain", a.domains, "domains");
  search->add_option("--country", a.countries, "only these countries");
  // The same variable as `match --limit`: `match --limit K search …` keeps working.
  search->add_option("--limit", m.limit, "top K (default 10)");
  dispatch.online(search, [&a, &m](Session& s) {
    auto reply =
        s.request<wire::SearchRequest>("matching", wire_type(wire::MATCHING_SEARCH), [&](auto q) {
          q.setText(a.text);
          auto set = [](auto list, const std::vector<std::string>& values) {
            for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
          };
          set(q.initKeywords(static_cast<unsigned>(a.keywords.size())), a.keywords);
          set(q.initNaceCodes(static_cast<unsigned>(a.codes.size())), a.codes);
          set(q.initDomains(static_cast<unsigned>(a.domains.size())), a.domains);
          set(q.initCountries(static_cast<unsigned>(a.countries.size())), a.countries);
          q.setLimit(m.limit);
        });
    show<wire::PartnersReply>(s, reply, [](auto r) {
      print_header(r);
      print_matches(r.getMatches());
    });
    return 0;
  });
}

}  // namespace

void add_match_commands(CLI::App& app, Dispatch& dispatch) {
  auto& m = dispatch.hold<MatchArgs>();
  auto* match = app.add_subcommand("match", "partners of a profile, with explanations");
  match->add_option("profile", m.profile_id, "profile reference");
  match->add_option("--limit", m.limit, "at most K (default and cap: the node's top_k)");
  match->add_flag("--all", m.all,
                  "also candidates below the threshold or past top_k, marked weaker");
  add_search(match, dispatch, m);
  dispatch.online(match, [&m](Session& s) {
    if (m.profile_id.empty()) {
      throw CtlError(1, "match: give a profile reference (or: match search)");
    }
    auto reply = s.request<wire::PartnersRequest>("matching", wire_type(wire::MATCHING_PARTNERS),
                                                  [&](auto r) {
                                                    r.setProfileId(m.profile_id);
                                                    r.setLimit(m.limit);
                                                    r.setAll(m.all);
                                                  });
    show<wire::PartnersReply>(s, reply, [](auto r) {
      print_header(r);
      print_matches(r.getMatches());
    });
    return 0;
  });
}

}  // namespace gosmart::ctl
