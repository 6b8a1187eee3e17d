// SPDX-License-Identifier: Apache-2.0
#include "cli/command_line.hpp"

#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "core/log.hpp"

namespace certkeep::cli {

int run_command_line(int argc, const char* const* argv) {
  CLI::App app{"certkeep: obtains, renews and deploys TLS certificates from ACME CAs", "certkeep"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "certkeep 0.1.0");
  GlobalOptions global;
  app.add_option("--state-dir", global.state_dir,
                 "State directory (default /var/lib/certkeep as root, else $XDG_STATE_HOME/certkeep)");
  // Also from the environment, so a password in the URL need not be on the command line.
  app.add_option("--store", global.store,
                 "The store: an SQLite file or a postgresql://… URL (default: certkeep.db in the state "
                 "directory; live/ and archive/ stay in the state directory either way)")
      ->envname("CERTKEEP_STORE");
  app.add_flag("-v,--verbose", global.verbose, "Progress lines and debug logs on stderr");
  app.add_flag("-q,--quiet", global.quiet, "Only errors");
  bool stats = false;
  app.add_flag("--stats", stats, "At exit, print HTTP requests sent and TLS connections opened to stderr");

  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(make_issue_command());
  commands.push_back(make_renew_command());
  commands.push_back(make_list_command());
  commands.push_back(make_show_command());
  commands.push_back(make_remove_command());
  commands.push_back(make_revoke_command());
  commands.push_back(make_edit_command());
  commands.push_back(make_daemon_command());
  commands.push_back(make_ca_command());
  commands.push_back(make_import_command());
  commands.push_back(make_profiles_command());
  commands.push_back(make_account_command());
  commands.push_back(make_store_command());
  std::vector<CLI::App*> subcommands;
  for (auto& command : commands) subcommands.push_back(command->add_to(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version arrive as "errors" whose exit code is 0.
    return app.exit(error) == 0 ? kExitSuccess : kExitUsage;
  }

  core::log::set_level(global.verbose ? core::log::Level::Debug
                       : global.quiet ? core::log::Level::Error
                                      : core::log::Level::Warn);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!subcommands[i]->parsed()) continue;
    // --json belongs to the command that prints; Output carries it to every line printed.
    const CLI::Option* json_option = subcommands[i]->get_option_no_throw("--json");
    const bool json = json_option != nullptr && json_option->count() > 0;
    Output out(json, global.verbose, global.quiet);
    const int code = commands[i]->run(global, out);
    if (stats) print_transport_stats();
    return code;
  }
  return kExitUsage;
}

}  // namespace certkeep::cli
