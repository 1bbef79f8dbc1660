// gosmart-import: bulk import of organisations and profiles from JSON Lines into a
// node's registry, with a report per line (jsonl_records.hpp has the format).
//   gosmart-import --config pl/node.toml --client-keys ops --file orgs.jsonl
// Output: one line per input line ("line 12: ok PL-000031" / "line 13: rejected: …"),
// then a summary. Exit 0 when every line was imported, 1 when some were rejected,
// 2 when the registry could not be reached.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <map>

#include "common/config/config.hpp"
#include "common/envelope/envelope.hpp"
#include "common/service/api_client.hpp"
#include "schemas/registry.capnp.h"
#include "tools/import/jsonl_records.hpp"

using namespace gosmart;

namespace {

std::string read_word(const std::string& file) {
  std::ifstream in(file);
  std::string word;
  if (!(in >> word)) throw std::runtime_error("cannot read " + file);
  return word;
}

struct Outcome {
  bool ok = false;
  std::string id;      // the record's id in the registry
  std::string reason;  // why it was refused
};

Outcome outcome_of(const std::string& reply, const std::string& expected_type) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
  if (!d) return {false, "", "unreadable reply"};
  const auto& envelope = d.value();
  if (envelope.header().type == "error") {
    auto error = envelope.payload<wire::Error>();
    return {false, "", describe(fail(error.getCode(), error.getMessage(), error.getField()))};
  }
  if (envelope.header().type != expected_type) return {false, "", "unexpected reply"};
  if (expected_type == "registry.org.reply") {
    return {true, envelope.payload<wire::OrgReply>().getOrganisation().getId(), ""};
  }
  return {true, envelope.payload<wire::ProfileReply>().getProfile().getId(), ""};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Import organisations and profiles from JSON Lines into a registry"};
  std::string config_file, client_keys, input;
  std::size_t window = 64;
  app.add_option("--config", config_file, "the node's config (TOML)")->required();
  app.add_option("--client-keys", client_keys, "prefix of an allowlisted keypair")->required();
  app.add_option("--file", input, "JSON Lines file")->required()->check(CLI::ExistingFile);
  app.add_option("--window", window, "requests in flight")->check(CLI::Range(1, 1024));
  CLI11_PARSE(app, argc, argv);

  try {
    auto node = config::load_config(config_file);
    transport::Transport transport(
        {read_word(client_keys + ".public"), read_word(client_keys + ".secret")}, {});
    service::ApiClient client(transport, node.service("registry").endpoints.api, node.public_key);

    std::vector<import::Record> orgs, profiles;
    std::map<std::size_t, std::string> report;
    std::size_t rejected = 0;
    std::ifstream in(input);
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto record = import::parse_line(line, number);
      if (!record) {
        report[number] = "rejected: " + describe(record.error());
        ++rejected;
      } else if (record.value().kind == import::RecordKind::organisation) {
        orgs.push_back(std::move(record).value());
      } else {
        profiles.push_back(std::move(record).value());
      }
    }

    auto run = [&](const std::vector<std::string>& requests, const char* what) {
      auto replies =
          client.pipeline(requests, window, std::chrono::minutes(10), [&](std::size_t done) {
            if (done % 1000 == 0) {
              std::cerr << what << ": " << done << "/" << requests.size() << "\r" << std::flush;
            }
          });
      if (replies.size() != requests.size()) {
        throw std::runtime_error("the registry stopped answering after " +
                                 std::to_string(replies.size()) + " " + what);
      }
      return replies;
    };

    // Organisations first: profiles may point at them by ref.
    std::vector<std::string> requests;
    for (const auto& r : orgs) requests.push_back(import::request_for(r, node.country));
    auto replies = run(requests, "organisations");
    std::map<std::string, std::string> ids_by_ref;
    std::size_t orgs_ok = 0;
    for (std::size_t i = 0; i < orgs.size(); ++i) {
      auto out = outcome_of(replies[i], "registry.org.reply");
      report[orgs[i].line] = out.ok ? "ok " + out.id : "rejected: " + out.reason;
      if (out.ok) {
        ++orgs_ok;
        if (!orgs[i].ref.empty()) ids_by_ref[orgs[i].ref] = out.id;
      } else {
        ++rejected;
      }
    }

    requests.clear();
    std::vector<const import::Record*> sent;
    for (const auto& r : profiles) {
      std::string owner;
      if (!r.owner_ref.empty()) {
        auto it = ids_by_ref.find(r.owner_ref);
        if (it == ids_by_ref.end()) {
          report[r.line] = "rejected: invalid_field: ownerRef: no organisation '" + r.owner_ref +
                           "' was imported";
          ++rejected;
          continue;
        }
        owner = it->second;
      }
      requests.push_back(import::request_for(r, node.country, owner));
      sent.push_back(&r);
    }
    replies = run(requests, "profiles");
    std::size_t profiles_ok = 0, published = 0;
    std::vector<std::string> publish_requests;
    std::vector<std::size_t> publish_lines;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      auto out = outcome_of(replies[i], "registry.profile.reply");
      report[sent[i]->line] = out.ok ? "ok " + out.id : "rejected: " + out.reason;
      if (!out.ok) {
        ++rejected;
        continue;
      }
      ++profiles_ok;
      if (sent[i]->publish) {
        EnvelopeBuilder request(node.country, wire::Service::TOOL, "registry.profile.transition");
        auto t = request.init_payload<wire::ProfileTransition>();
        t.setProfileId(out.id);
        t.setAction(wire::ProfileTransition::Action::PUBLISH);
        publish_requests.push_back(request.encode());
        publish_lines.push_back(sent[i]->line);
      }
    }
    replies = run(publish_requests, "publications");
    for (std::size_t i = 0; i < publish_lines.size(); ++i) {
      auto out = outcome_of(replies[i], "registry.profile.reply");
      if (out.ok) {
        ++published;
        report[publish_lines[i]] += " published";
      } else {
        report[publish_lines[i]] += " (submitted; not published: " + out.reason + ")";
      }
    }

    for (const auto& [number, text] : report)
      std::cout << "line " << number << ": " << text << "\n";
    std::cout << "imported " << orgs_ok << " organisations and " << profiles_ok << " profiles ("
              << published << " published); rejected " << rejected << " lines\n";
    return rejected == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "gosmart-import: " << e.what() << "\n";
    return 2;
  }
}
