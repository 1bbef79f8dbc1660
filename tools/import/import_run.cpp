#include "tools/import/import_run.hpp"

#include <fstream>
#include <map>
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

Outcome outcome_of(const std::string& reply, std::string_view expected_type) {
  auto d = decode_envelope({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()});
  if (!d) return {false, "", "unreadable reply"};
  const auto& envelope = d.value();
  if (envelope.header().type == wire_type(wire::ERROR_REPLY)) {
    auto error = envelope.payload<wire::Error>();
    return {false, "", describe(fail(error.getCode(), error.getMessage(), error.getField()))};
  }
  if (envelope.header().type != expected_type) return {false, "", "unexpected reply"};
  if (expected_type == wire_type(wire::REGISTRY_ORG_REPLY)) {
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
      << published << " published); rejected " << rejected << " lines";
  if (partial) out << "; " << partial << " lines stored but not published";
  if (unanswered) out << "; " << unanswered << " lines unanswered";
  out << "\n";
}

int ImportReport::exit_code() const {
  if (unanswered) return 2;
  return rejected || partial ? 1 : 0;
}

nlohmann::json ImportReport::to_json() const {
  nlohmann::json by_line = nlohmann::json::object();
  for (const auto& [number, text] : lines) by_line[std::to_string(number)] = text;
  return {{"organisations", organisations},
          {"profiles", profiles},
          {"published", published},
          {"rejected", rejected},
          {"partial", partial},
          {"unanswered", unanswered},
          {"lines", by_line}};
}

ImportReport run_import(
    service::ApiClient& client, const std::string& country, const std::string& file,
    const ImportOptions& options,
    const std::function<void(const char*, std::size_t, std::size_t)>& progress) {
  std::vector<Record> orgs, profiles;
  ImportReport result;
  auto& report = result.lines;
  auto& rejected = result.rejected;
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::string line;
  std::map<std::string, std::size_t> line_of_ref;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto record = parse_line(line, number);
    if (!record) {
      report[number] = "rejected: " + describe(record.error());
      ++rejected;
    } else if (record.value().kind == RecordKind::organisation) {
      const auto& ref = record.value().ref;
      if (!ref.empty() && line_of_ref.count(ref)) {
        // Profiles name their owner by ref: two organisations under one would make
        // the second take the first one's profiles.
        report[number] = "rejected: invalid_field: ref: '" + ref + "' is already line " +
                         std::to_string(line_of_ref[ref]);
        ++rejected;
        continue;
      }
      if (!ref.empty()) line_of_ref[ref] = number;
      orgs.push_back(std::move(record).value());
    } else {
      profiles.push_back(std::move(record).value());
    }
  }

  // Each request goes out once it is known to fit the node's frame limit (a frame
  // over twice the limit makes the server drop the connection); the answers come
  // back matched to their lines, with unanswered requests retried under the same
  // message id. A line that got no answer at all is reported as such: whether it
  // was stored is not known.
  struct Batch {
    std::vector<std::string> requests;
    std::vector<std::size_t> lines;
    void add(std::string request, std::size_t line) {
      requests.push_back(std::move(request));
      lines.push_back(line);
    }
  };
  auto fits = [&](const std::string& request, std::size_t number) {
    if (request.size() <= options.max_message_bytes) return true;
    report[number] = "rejected: too_large: the line makes a request of " +
                     std::to_string(request.size()) + " bytes; this node takes at most " +
                     std::to_string(options.max_message_bytes);
    ++rejected;
    return false;
  };
  auto run = [&](const Batch& batch, const char* what) {
    auto replies = client.exchange(batch.requests, options.window, options.idle, options.attempts,
                                   [&](std::size_t done) {
                                     if (progress) progress(what, done, batch.requests.size());
                                   });
    if (client.refused()) throw std::runtime_error("the registry refused this key");
    return replies;
  };
  auto unanswered = [&](std::size_t number) {
    report[number] =
        "unanswered: the registry did not answer; whether this line was stored is not known";
    ++result.unanswered;
  };

  // Organisations first: profiles may point at them by ref.
  Batch org_batch;
  for (const auto& r : orgs) {
    auto request = request_for(r, country);
    if (fits(request, r.line)) org_batch.add(std::move(request), r.line);
  }
  auto replies = run(org_batch, "organisations");
  std::map<std::string, std::string> ids_by_ref;
  std::map<std::size_t, const Record*> org_by_line;
  for (const auto& r : orgs) org_by_line[r.line] = &r;
  for (std::size_t i = 0; i < org_batch.lines.size(); ++i) {
    std::size_t number = org_batch.lines[i];
    if (!replies[i]) {
      unanswered(number);
      continue;
    }
    auto out = outcome_of(*replies[i], wire_type(wire::REGISTRY_ORG_REPLY));
    report[number] = out.ok ? "ok " + out.id : "rejected: " + out.reason;
    if (out.ok) {
      ++result.organisations;
      const auto& ref = org_by_line[number]->ref;
      if (!ref.empty()) ids_by_ref[ref] = out.id;
    } else {
      ++rejected;
    }
  }

  Batch profile_batch;
  std::map<std::size_t, const Record*> profile_by_line;
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
    auto request = request_for(r, country, owner);
    if (!fits(request, r.line)) continue;
    profile_batch.add(std::move(request), r.line);
    profile_by_line[r.line] = &r;
  }
  replies = run(profile_batch, "profiles");
  Batch publish_batch;
  for (std::size_t i = 0; i < profile_batch.lines.size(); ++i) {
    std::size_t number = profile_batch.lines[i];
    if (!replies[i]) {
      unanswered(number);
      continue;
    }
    auto out = outcome_of(*replies[i], wire_type(wire::REGISTRY_PROFILE_REPLY));
    report[number] = out.ok ? "ok " + out.id : "rejected: " + out.reason;
    if (!out.ok) {
      ++rejected;
      continue;
    }
    ++result.profiles;
    if (out.expired) {
      report[number] += " expired (kept, not published)";
      continue;
    }
    if (profile_by_line[number]->publish) {
      EnvelopeBuilder request(country, wire::Service::TOOL,
                              wire_type(wire::REGISTRY_PROFILE_TRANSITION));
      stable_message_id(request, "gosmart-import|publish|" + country + "|" + out.id);
      auto t = request.init_payload<wire::ProfileTransition>();
      t.setProfileId(out.id);
      t.setAction(wire::ProfileTransition::Action::PUBLISH);
      publish_batch.add(request.encode(), number);
    }
  }
  replies = run(publish_batch, "publications");
  for (std::size_t i = 0; i < publish_batch.lines.size(); ++i) {
    std::size_t number = publish_batch.lines[i];
    auto out = replies[i] ? outcome_of(*replies[i], wire_type(wire::REGISTRY_PROFILE_REPLY))
                          : Outcome{false, "", "no answer"};
    if (out.ok) {
      ++result.published;
      report[number] += " published";
    } else {
      // Stored, but not as the line asked: the line is not done.
      report[number] += " (submitted; not published: " + out.reason + ")";
      ++result.partial;
    }
  }

  return result;
}

}  // namespace gosmart::import
