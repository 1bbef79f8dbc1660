#pragma once
// Imports a JSON Lines file into a registry through its api: organisations first
// (profiles may name them by ref), then profiles, then the publications asked for.
// `gosmartctl org import` is its front-end.
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "common/service/api_client.hpp"

namespace gosmart::import {

struct ImportReport {
  std::map<std::size_t, std::string> lines;  // line number -> "ok PL-000031" / "rejected: …"
  std::size_t organisations = 0, profiles = 0, published = 0, rejected = 0;
  std::size_t partial = 0;     // stored, but the publication the line asked for was refused
  std::size_t unanswered = 0;  // no answer even after retries: stored or not, unknown

  // 0 when every line was done, 1 when some were refused or only partly done, 2 when
  // the registry left some unanswered.
  int exit_code() const;

  // "line 12: ok PL-000031" for every line, then the totals.
  void print(std::ostream& out) const;
  // The same for scripts: the totals and {"12": "ok PL-000031", …}.
  nlohmann::json to_json() const;
};

struct ImportOptions {
  std::size_t window = 64;                  // requests in flight
  std::chrono::milliseconds idle{3000};     // silence after which unanswered requests go again
  int attempts = 3;                         // sends of one request, in all
  std::size_t max_message_bytes = 1 << 20;  // the node's frame limit: larger lines are refused here
};

// Throws std::runtime_error when the registry refuses the key; a registry that stops
// answering leaves the lines it did not answer marked "unanswered".
// `progress(what, done, total)` is called as replies come.
ImportReport run_import(service::ApiClient& client, const std::string& country,
                        const std::string& file, const ImportOptions& options,
                        const std::function<void(const char*, std::size_t, std::size_t)>& progress);

}  // namespace gosmart::import
