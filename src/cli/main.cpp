// SPDX-License-Identifier: Apache-2.0
// certkeep: the command-line front end. Parses arguments with CLI11 (its exceptions stop
// here), then runs the chosen command.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "core/failpoint.hpp"
#include "core/log.hpp"

int main(int argc, char** argv) {
  using namespace certkeep;
  // Keys and the store are private by default, whatever the caller's umask.
  ::umask(077);
#ifdef CERTKEEP_FAILPOINTS
  // Test builds: the crash tests ask which failpoints there are (core/failpoint.hpp).
  if (argc == 2 && std::strcmp(argv[1], "--list-failpoints") == 0) {
    for (std::string_view name : core::failpoint_names())
      std::printf("%.*s\n", static_cast<int>(name.size()), name.data());
    return cli::kExitSuccess;
  }
#endif

  CLI::App app{"certkeep: obtains, renews and deploys TLS certificates from ACME CAs", "certkeep"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "certkeep 0.1.0");
  cli::GlobalOptions global;
  app.add_option("--state-dir", global.state_dir,
                 "State directory (default /var/lib/certkeep as root, else $XDG_STATE_HOME/certkeep)");
  app.add_flag("-v,--verbose", global.verbose, "Progress lines and debug logs on stderr");
  app.add_flag("-q,--quiet", global.quiet, "Only errors");
  bool stats = false;
  app.add_flag("--stats", stats, "At exit, print HTTP requests sent and TLS connections opened to stderr");

  std::vector<std::unique_ptr<cli::Command>> commands;
  commands.push_back(cli::make_issue_command());
  commands.push_back(cli::make_renew_command());
  commands.push_back(cli::make_list_command());
  commands.push_back(cli::make_show_command());
  commands.push_back(cli::make_remove_command());
  commands.push_back(cli::make_revoke_command());
  commands.push_back(cli::make_edit_command());
  commands.push_back(cli::make_daemon_command());
  std::vector<CLI::App*> subcommands;
  for (auto& command : commands) subcommands.push_back(command->add_to(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? cli::kExitSuccess : cli::kExitUsage;
  }

  core::log::set_level(global.verbose ? core::log::Level::Debug
                       : global.quiet ? core::log::Level::Error
                                      : core::log::Level::Warn);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (subcommands[i]->parsed()) {
      // --json belongs to the command that prints; Output carries it to every line printed.
      const CLI::Option* json_option = subcommands[i]->get_option_no_throw("--json");
      const bool json = json_option != nullptr && json_option->count() > 0;
      cli::Output out(json, global.verbose, global.quiet);
      const int code = commands[i]->run(global, out);
      if (stats) cli::print_transport_stats();
      return code;
    }
  }
  return cli::kExitUsage;
}
