// SPDX-License-Identifier: Apache-2.0
// `certkeep completion bash|zsh` and `certkeep manpage`: text generated from the option
// definitions (cli/generated_docs.hpp). The package build runs both; `manpage` is hidden.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/command_tree.hpp"
#include "cli/exit_codes.hpp"
#include "cli/generated_docs.hpp"

namespace certkeep::cli {

namespace {

class CompletionCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
    cmd->add_option("shell", shell_, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
    return cmd;
  }
  int run(const GlobalOptions&, const Output& out) override {
    // A tree of its own: the one that ran the command holds values, not just definitions.
    auto tree = make_command_tree();
    out.raw(shell_ == "zsh" ? zsh_completion(tree->app) : bash_completion(tree->app));
    return kExitSuccess;
  }

 private:
  std::string shell_;
};

class ManpageCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("manpage", "Print the certkeep(1) man page (roff)");
    cmd->group("");  // hidden: for the package build
    return cmd;
  }
  int run(const GlobalOptions&, const Output& out) override {
    auto tree = make_command_tree();
    out.raw(man_page(tree->app, CERTKEEP_VERSION_STRING));
    return kExitSuccess;
  }
};

}  // namespace

std::unique_ptr<Command> make_completion_command() { return std::make_unique<CompletionCommand>(); }
std::unique_ptr<Command> make_manpage_command() { return std::make_unique<ManpageCommand>(); }

}  // namespace certkeep::cli
