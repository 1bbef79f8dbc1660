// gosmartctl keys generate [--out PREFIX]: works offline, no config needed.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/core/key_files.hpp"
#include "tools/gosmartctl/commands/commands.hpp"

namespace gosmart::ctl {

void add_keys_commands(CLI::App& app, Dispatch& dispatch) {
  auto& out_prefix = dispatch.hold<std::string>();
  auto* keys = app.add_subcommand("keys", "CURVE keys")->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "a keypair for a node or an operator");
  generate->add_option("--out", out_prefix,
                       "write PREFIX.public and PREFIX.secret (0600); default: print both");
  dispatch.offline(generate, [&out_prefix](const Options& options) {
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
  });
}

}  // namespace gosmart::ctl
