// SPDX-License-Identifier: Apache-2.0
#include "cli/command_tree.hpp"

#include <algorithm>

namespace certkeep::cli {

namespace {

void add_nodes(CLI::App& app, std::vector<std::string>& path, std::vector<CommandNode>& out,
               bool include_hidden) {
  out.push_back({path, &app});
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (!include_hidden && sub->get_group().empty()) continue;
    path.push_back(sub->get_name());
    add_nodes(*sub, path, out, include_hidden);
    path.pop_back();
  }
}

// Global options after the command name: each subcommand passes what it does not know to its
// parent, at every depth (so `certkeep ca init --state-dir D` works like `certkeep --state-dir
// D ca init`). Set on the built tree, so a command's own subcommands need not remember it.
void let_options_fall_through(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->fallthrough();
    let_options_fall_through(*sub);
  }
}

}  // namespace

std::unique_ptr<CommandTree> make_command_tree() {
  auto tree = std::make_unique<CommandTree>();
  CLI::App& app = tree->app;
  GlobalOptions& global = tree->global;
  // Default values are shown by `config show` and the man page.
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  app.set_version_flag("--version", "certkeep " CERTKEEP_VERSION_STRING)->configurable(false);
  app.add_option("--config", global.config_file,
                 "Config file (default /etc/certkeep/certkeep.toml when it exists; env CERTKEEP_CONFIG)")
      ->configurable(false);
  app.add_option("--state-dir", global.state_dir,
                 "State directory (default /var/lib/certkeep as root, else $XDG_STATE_HOME/certkeep)");
  // CERTKEEP_STORE like every option's variable, so a password in the URL need not be on the
  // command line (config show never prints one).
  app.add_option("--store", global.store,
                 "The store: an SQLite file or a postgresql://… URL (default: certkeep.db in the state "
                 "directory; live/ and archive/ stay in the state directory either way)");
  app.add_flag("-v,--verbose", global.verbose, "Progress lines and debug logs on stderr");
  app.add_flag("-q,--quiet", global.quiet, "Only errors");
  app.add_flag("--json", global.json, "Print one JSON document on stdout (docs/json.md)");
  app.add_option("--notify-hook", global.notify_hook,
                 "Shell command run on a failed renewal, a certificate's last 7 days and a stale server "
                 "(CERTKEEP_* env, CERTKEEP_EVENT says which)");
  app.add_option(
         "--confirm-timeout", global.confirm_timeout,
         "Seconds a deployment confirmation keeps probing servers that serve another serial (default 30)")
      ->check(CLI::Range(1, 3600));
  app.add_flag("--stats", tree->stats,
               "At exit, print HTTP requests sent and TLS connections opened to stderr");

  tree->commands.push_back(make_issue_command());
  tree->commands.push_back(make_renew_command());
  tree->commands.push_back(make_list_command());
  tree->commands.push_back(make_show_command());
  tree->commands.push_back(make_check_command());
  tree->commands.push_back(make_remove_command());
  tree->commands.push_back(make_revoke_command());
  tree->commands.push_back(make_edit_command());
  tree->commands.push_back(make_daemon_command());
  tree->commands.push_back(make_ca_command());
  tree->commands.push_back(make_import_command());
  tree->commands.push_back(make_profiles_command());
  tree->commands.push_back(make_account_command());
  tree->commands.push_back(make_store_command());
  tree->commands.push_back(make_config_command());
  tree->commands.push_back(make_completion_command());
  tree->commands.push_back(make_manpage_command());
  for (auto& command : tree->commands) tree->subcommands.push_back(command->add_to(app));
  let_options_fall_through(app);
  return tree;
}

std::vector<CommandNode> command_nodes(CLI::App& root, bool include_hidden) {
  std::vector<CommandNode> out;
  std::vector<std::string> path;
  add_nodes(root, path, out, include_hidden);
  return out;
}

std::vector<CommandNode> parsed_chain(CLI::App& root) {
  std::vector<CommandNode> chain{{{}, &root}};
  CLI::App* current = &root;
  for (;;) {
    CLI::App* next = nullptr;
    for (CLI::App* sub : current->get_subcommands([](CLI::App*) { return true; }))
      if (sub->parsed()) next = sub;
    if (next == nullptr) return chain;
    std::vector<std::string> path = chain.back().path;
    path.push_back(next->get_name());
    chain.push_back({std::move(path), next});
    current = next;
  }
}

std::string command_name(const std::vector<std::string>& path) {
  if (path.empty()) return "certkeep";
  std::string out;
  for (const std::string& part : path) out += (out.empty() ? "" : " ") + part;
  return out;
}

std::vector<CLI::Option*> named_options(CLI::App& app) {
  const CLI::Option* help = app.get_help_ptr();
  const CLI::Option* help_all = app.get_help_all_ptr();
  return app.get_options([&](CLI::Option* option) {
    return option != help && option != help_all && !option->get_positional() &&
           !option->get_lnames().empty() && option->get_configurable();
  });
}

std::string long_name(const CLI::Option& option) {
  return option.get_lnames().empty() ? std::string() : option.get_lnames().front();
}

// CLI11 makes a flag an option that expects no value.
bool is_flag(const CLI::Option& option) { return option.get_expected_max() == 0; }

bool is_repeatable(const CLI::Option& option) {
  return !is_flag(option) && option.get_items_expected_max() > 1;
}

bool is_numeric(const CLI::Option& option) {
  // "INT", or "INT:INT in [1 - 64]" with a validator's description appended.
  std::string type = option.get_type_name();
  if (const auto colon = type.find(':'); colon != std::string::npos) type.resize(colon);
  return type == "INT" || type == "UINT" || type == "FLOAT" || type == "NUMBER";
}

}  // namespace certkeep::cli
