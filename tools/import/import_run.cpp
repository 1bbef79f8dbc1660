#include "tools/import/import_run.hpp"

#include <fstream>
#include <stdexcept>

#include "common/envelope/envelope.hpp"
#include "schemas/registry.capnp.h"
#include "tools/import/jsonl_records.hpp"

namespace gosmart::import {

namespace {

struct Outcome {
  bool ok = false;
  std::string id;        // the record's id in the registry
  std::string reason;    // why it was refused
  bool expired = false;  // a migrated profile kept expired: never published
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
    auto answer = envelope.payload<wire::OrgReply>();
    return {true,
            answer.hasReceipt() ? answer.getReceipt().getId() : answer.getOrganisation().getId(),
            ""};
  }
  auto profile = envelope.payload<wire::ProfileReply>().getProfile();
  return {true, profile.getId(), "", profile.getStatus() == wire::ProfileStatus::EXPIRED};
}

}  // namespace

void ImportReport::print(std::ostream& out) const {
  for (const auto& [number, text] : lines) out << "line " << number << ": " << text << "\n";
  out << "imported " << organisations << " organisations and " << profiles << " profiles ("
      << published << " published); rejected " << rejected << " lines\n";
}

nlohmann::json ImportReport::to_json() const {
  nlohmann::json by_line = nlohmann::json::object();
  for (const auto& [number, text] : lines) by_line[std::to_string(number)] = text;
  return {{"organisations", organisations},
          {"profiles", profiles},
          {"published", published},
          {"rejected", rejected},
          {"lines", by_line}};
}

ImportReport run_import(
    service::ApiClient& client, const std::string& country, const std::string& file,
    std::size_t window,
    const std::function<void(const char*, std::size_t, std::size_t)>& progress) {
  std::vector<Record> orgs, profiles;
  ImportReport result;
  auto& report = result.lines;
  auto& rejected = result.rejected;
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto record = parse_line(line, number);
    if (!record) {
      report[number] = "rejected: " + describe(record.error());
      ++rejected;
    } else if (record.value().kind == RecordKind::organisation) {
      orgs.push_back(std::move(record).value());
    } else {
      profiles.push_back(std::move(record).value());
    }
  }

  auto run = [&](const std::vector<std::string>& requests, const char* what) {
    auto replies =
        client.pipeline(requests, window, std::chrono::minutes(10), [&](std::size_t done) {
          if (progress) progress(what, done, requests.size());
        });
    if (client.refused()) throw std::runtime_error("the registry refused this key");
    if (replies.size() != requests.size()) {
      throw std::runtime_error("the registry stopped answering after " +
                               std::to_string(replies.size()) + " " + what);
    }
    return replies;
  };

  // Organisations first: profiles may point at them by ref.
  std::vector<std::string> requests;
  for (const auto& r : orgs) requests.push_back(request_for(r, country));
  auto replies = run(requests, "organisations");
  std::map<std::string, std::string> ids_by_ref;
  std::size_t& orgs_ok = result.organisations;
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
  std::vector<const Record*> sent;
  for (const auto& r : profiles) {
    std::string owner;
    if (!r.owner_ref.empty()) {
      auto it = ids_by_ref.find(r.owner_ref);
      if (it == ids_by_ref.end()) {
        report[r.line] =
            "rejected: invalid_field: ownerRef: no organisation '" + r.owner_ref + "' was imported";
        ++rejected;
        continue;
      }
      owner = it->second;
    }
    requests.push_back(request_for(r, country, owner));
    sent.push_back(&r);
  }
  replies = run(requests, "profiles");
  std::size_t& profiles_ok = result.profiles;
  std::size_t& published = result.published;
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
    if (out.expired) {
      report[sent[i]->line] += " expired (kept, not published)";
      continue;
    }
    if (sent[i]->publish) {
      EnvelopeBuilder request(country, wire::Service::TOOL, "registry.profile.transition");
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

  return result;
}

}  // namespace gosmart::import
