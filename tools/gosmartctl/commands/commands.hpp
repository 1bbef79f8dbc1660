#pragma once
// gosmartctl's command groups, one file each: every group adds its subcommands to the
// app with their own options and registers what they run (tools/gosmartctl/README.md).
#include <CLI/CLI.hpp>

#include "tools/gosmartctl/dispatch.hpp"

namespace gosmart::ctl {

void add_status_command(CLI::App& app, Dispatch& dispatch);    // status
void add_org_commands(CLI::App& app, Dispatch& dispatch);      // org …
void add_profile_commands(CLI::App& app, Dispatch& dispatch);  // profile …
void add_match_commands(CLI::App& app, Dispatch& dispatch);    // match, match search
void add_queue_commands(CLI::App& app, Dispatch& dispatch);    // queue …
void add_eoi_commands(CLI::App& app, Dispatch& dispatch);      // eoi …
void add_actions_command(CLI::App& app, Dispatch& dispatch);   // actions
void add_keys_commands(CLI::App& app, Dispatch& dispatch);     // keys generate
void add_notify_commands(CLI::App& app, Dispatch& dispatch);   // notify …
void add_audit_commands(CLI::App& app, Dispatch& dispatch);    // audit …

}  // namespace gosmart::ctl
