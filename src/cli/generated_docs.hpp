// SPDX-License-Identifier: Apache-2.0
// Shell completion (bash, zsh) and the man page, generated from the CLI11 definitions
// (cli/command_tree.hpp), so they list exactly the commands and options the binary accepts.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace certkeep::cli {

// A bash completion script (`complete -F _certkeep certkeep`): commands at each level, the
// options of the command being typed and every parent's, file names for option values.
std::string bash_completion(CLI::App& root);
// A zsh completion function (#compdef certkeep), with the descriptions.
std::string zsh_completion(CLI::App& root);
// certkeep(1) in roff: synopsis, every command and option, the environment, files, exit status.
std::string man_page(CLI::App& root, const std::string& version);
// /etc/certkeep/certkeep.toml as the package ships it: every key of every command, commented
// out, with its description and default.
std::string config_template(CLI::App& root);

}  // namespace certkeep::cli
