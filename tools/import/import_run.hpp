#pragma once
// Imports a JSON Lines file into a registry through its api: organisations first
// (profiles may name them by ref), then profiles, then the publications asked for.
// `gosmartctl org import` is its front-end.
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "common/service/api_client.hpp"

namespace gosmart::import {

struct ImportReport {
  std::map<std::size_t, std::string> lines;  // line number -> "ok PL-000031" / "rejected: …"
  std::size_t organisations = 0, profiles = 0, published = 0, rejected = 0;

  // "line 12: ok PL-000031" for every line, then the totals.
  void print(std::ostream& out) const;
  // The same for scripts: the totals and {"12": "ok PL-000031", …}.
  nlohmann::json to_json() const;
};

// Throws std::runtime_error when the registry stops answering (or refuses the key).
// `progress(what, done, total)` is called as replies come.
ImportReport run_import(service::ApiClient& client, const std::string& country,
                        const std::string& file, std::size_t window,
                        const std::function<void(const char*, std::size_t, std::size_t)>& progress);

}  // namespace gosmart::import
