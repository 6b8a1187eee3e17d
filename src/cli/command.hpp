// SPDX-License-Identifier: Apache-2.0
// Command: one `certkeep <command>`. Each registers its flags with CLI11 and runs after the
// parse with the global options; main() picks the one the user named.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "certkeep/result.hpp"
#include "cli/output.hpp"
#include "lifecycle/app.hpp"

namespace CLI {
class App;
}

namespace certkeep::cli {

class Settings;

// The options every command takes, before or after its name. Their definitions are in
// cli/command_tree.cpp; config keys and environment variables follow from them.
struct GlobalOptions {
  std::string state_dir;
  std::string store;  // --store: an SQLite path or a postgresql:// URL; "": <state_dir>/certkeep.db
  bool verbose = false;
  bool quiet = false;
  bool json = false;         // --json: every command prints one versioned JSON document
  std::string config_file;   // --config: Default /etc/certkeep/certkeep.toml when it exists
  std::string notify_hook;   // --notify-hook: run on failures, near expiry, stale servers
  int confirm_timeout = 30;  // --confirm-timeout: seconds a deployment confirmation keeps probing
  // Every setting with its effective value and where it came from (`config show`); set by
  // run_command_line before the command runs.
  const Settings* settings = nullptr;
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
std::unique_ptr<Command> make_config_command();
std::unique_ptr<Command> make_completion_command();
std::unique_ptr<Command> make_manpage_command();
std::unique_ptr<Command> make_check_command();
std::unique_ptr<Command> make_profiles_command();
std::unique_ptr<Command> make_account_command();
std::unique_ptr<Command> make_store_command();

// Opens the App for the global options, wiring progress lines to `out`.
// `verify_store`: check the store's integrity first (the daemon, once at start).
Result<std::unique_ptr<lifecycle::App>> open_app(const GlobalOptions& global, const Output& out,
                                                 bool verify_store = false,
                                                 std::chrono::seconds lease_ttl = std::chrono::seconds(0));
// An App that keeps nothing: an in-memory store and `scratch_dir` (a temporary directory) as
// its state directory, whatever --state-dir says (`issue --dry-run`).
Result<std::unique_ptr<lifecycle::App>> open_scratch_app(const std::filesystem::path& scratch_dir,
                                                         const Output& out);

// A private temporary directory, removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  static Result<ScratchDir> create(std::string_view label);
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// "letsencrypt"/"production", "staging", or an https URL. Errc::InvalidArgument otherwise.
Result<std::string> resolve_server(const std::string& server);

}  // namespace certkeep::cli
