// SPDX-License-Identifier: Apache-2.0
// CommandTree: the whole command line as CLI11 definitions — the global options and every
// command with its options. Everything about options is derived from these definitions and
// nothing else: global options accepted after the command, config keys and environment
// variable names (cli/settings.*), shell completion and the man page (cli/generated_docs.*).
// A command or option added in one place is therefore covered everywhere.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"

namespace certkeep::cli {

struct CommandTree {
  CLI::App app{"certkeep: obtains, renews and deploys TLS certificates from ACME CAs", "certkeep"};
  GlobalOptions global;
  bool stats = false;
  std::vector<std::unique_ptr<Command>> commands;
  std::vector<CLI::App*> subcommands;  // commands[i] added subcommands[i]
};

// A fresh tree: a parse changes the bound variables, so each parse gets its own.
std::unique_ptr<CommandTree> make_command_tree();

// The root (empty path) or a (sub)command, e.g. {"ca", "init"}.
struct CommandNode {
  std::vector<std::string> path;
  CLI::App* app = nullptr;
};

// The root and every subcommand, depth first, in definition order. Hidden commands (an empty
// group) are included only with `include_hidden`.
std::vector<CommandNode> command_nodes(CLI::App& root, bool include_hidden = true);

// The root and the parsed subcommand at each level down to the one that runs.
std::vector<CommandNode> parsed_chain(CLI::App& root);

// "issue", "ca init"; "certkeep" for the root.
std::string command_name(const std::vector<std::string>& path);

// The options a user sets by name: not positional, with a long name, and configurable (the
// tree marks --help, --version and --config as not configurable).
std::vector<CLI::Option*> named_options(CLI::App& app);

// The first long name without dashes ("state-dir" for "--state-dir").
std::string long_name(const CLI::Option& option);

// A flag takes no value (`--force`); every other option takes one.
bool is_flag(const CLI::Option& option);
// The option may be given more than once, collecting values (`-d`).
bool is_repeatable(const CLI::Option& option);
// The value must be a number (CLI11 type INT, UINT, FLOAT or NUMBER).
bool is_numeric(const CLI::Option& option);

}  // namespace certkeep::cli
