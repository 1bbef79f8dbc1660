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
#include "common/core/key_files.hpp"
#include "common/envelope/envelope.hpp"
#include "common/service/api_client.hpp"
#include "schemas/registry.capnp.h"
#include "tools/import/import_run.hpp"

using namespace gosmart;

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
    transport::Transport transport(curve::read_key_files(client_keys), {});
    service::ApiClient client(transport, node.service("registry").endpoints.api, node.public_key);
    auto result = import::run_import(client, node.country, input, window,
                                     [](const char* what, std::size_t done, std::size_t total) {
                                       if (done % 1000 == 0)
                                         std::cerr << what << ": " << done << "/" << total << "\r"
                                                   << std::flush;
                                     });
    for (const auto& [number, text] : result.lines)
      std::cout << "line " << number << ": " << text << "\n";
    std::cout << "imported " << result.organisations << " organisations and " << result.profiles
              << " profiles (" << result.published << " published); rejected " << result.rejected
              << " lines\n";
    return result.rejected == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "gosmart-import: " << e.what() << "\n";
    return 2;
  }
}
