// SPDX-License-Identifier: Apache-2.0
// Command: one `certkeep <command>`. Each registers its flags with CLI11 and runs after the
// parse with the global options; main() picks the one the user named.
#pragma once

#include <memory>
#include <string>

#include "certkeep/result.hpp"
#include "cli/output.hpp"
#include "lifecycle/app.hpp"

namespace CLI {
class App;
}

namespace certkeep::cli {

struct GlobalOptions {
  std::string state_dir;
  std::string store;  // --store: an SQLite path or a postgresql:// URL; "": <state_dir>/certkeep.db
  bool verbose = false;
  bool quiet = false;
};

class Command {
 public:
  virtual ~Command() = default;
  // Adds the subcommand and its options to `app`; returns the subcommand.
  virtual CLI::App* add_to(CLI::App& app) = 0;
  // Returns the process exit code.
  virtual int run(const GlobalOptions& global, const Output& out) = 0;
};

std::unique_ptr<Command> make_issue_command();
std::unique_ptr<Command> make_renew_command();
std::unique_ptr<Command> make_list_command();
std::unique_ptr<Command> make_show_command();
std::unique_ptr<Command> make_remove_command();
std::unique_ptr<Command> make_revoke_command();
std::unique_ptr<Command> make_edit_command();
std::unique_ptr<Command> make_daemon_command();
std::unique_ptr<Command> make_ca_command();
std::unique_ptr<Command> make_import_command();
std::unique_ptr<Command> make_profiles_command();
std::unique_ptr<Command> make_account_command();
std::unique_ptr<Command> make_store_command();

// Opens the App for the global options, wiring progress lines to `out`.
// `verify_store`: check the store's integrity first (the daemon, once at start).
Result<std::unique_ptr<lifecycle::App>> open_app(const GlobalOptions& global, const Output& out,
                                                 bool verify_store = false);

// "letsencrypt"/"production", "staging", or an https URL. Errc::InvalidArgument otherwise.
Result<std::string> resolve_server(const std::string& server);

}  // namespace certkeep::cli
