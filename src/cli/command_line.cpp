// SPDX-License-Identifier: Apache-2.0
// The command line runs in two parses of fresh command trees (cli/command_tree.hpp): the first
// shows which command runs and which options the command line sets; then the environment's and
// the config file's values for the options it left unset are appended as `--option=value`
// (cli/settings.hpp), and the second parse — CLI11's checks, requirements and exclusions
// included — gives what the command runs with. Precedence is therefore command line >
// environment > config file > default for every option, with one rule in one place.
#include "cli/command_line.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command_tree.hpp"
#include "cli/exit_codes.hpp"
#include "cli/settings.hpp"
#include "core/log.hpp"

namespace certkeep::cli {

namespace {

// CLI11 parses argv; a vector of strings outlives the pointers made of it.
void parse(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
}

bool asks_for_help_or_version(const CLI::ParseError& error) {
  return dynamic_cast<const CLI::CallForHelp*>(&error) != nullptr ||
         dynamic_cast<const CLI::CallForAllHelp*>(&error) != nullptr ||
         dynamic_cast<const CLI::CallForVersion*>(&error) != nullptr;
}

unsigned file_mode(const std::string& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return 0;
  return static_cast<unsigned>(info.st_mode & 07777);
}

struct ConfigRead {
  std::optional<config::Document> document;
  std::string file;
  std::vector<std::string> problems;  // each "FILE:LINE: KEY: what", or the file's one error
};

// The config file the command line names (or the default one), checked against the
// definitions, and the environment's option values checked the same way.
ConfigRead read_config(const std::string& config_option, const EnvironmentLookup& env) {
  ConfigRead read;
  const ConfigChoice choice = choose_config_file(config_option, env);
  read.file = choice.file;
  // `--config /dev/null`: no config file at all (the package build runs that way).
  if (!choice.file.empty() && choice.file != "/dev/null") {
    auto document = config::parse_file(choice.file);
    if (!document) {
      read.problems.push_back(document.error().message());
    } else {
      read.problems = check_config(*document, file_mode(choice.file));
      read.document = std::move(*document);
    }
  }
  for (std::string& problem : check_environment(env)) read.problems.push_back(std::move(problem));
  return read;
}

}  // namespace

int run_command_line(int argc, const char* const* argv) {
  std::vector<std::string> args(argv, argv + argc);
  const EnvironmentLookup env = process_environment();

  // 1. What the command line alone says.
  auto first = make_command_tree();
  try {
    parse(first->app, args);
  } catch (const CLI::ParseError& error) {
    if (asks_for_help_or_version(error)) return first->app.exit(error) == 0 ? kExitSuccess : kExitUsage;
    // Possibly only for want of what the environment or the file gives (a required option);
    // the second parse reports what is still wrong.
  }

  // 2. The environment and the config file, for what the command line left unset. A broken
  // file stops every command but `config check`, whose job is to list what is wrong.
  ConfigRead config = read_config(first->global.config_file, env);
  const bool checking = parsed_chain(first->app).back().path == std::vector<std::string>{"config", "check"};
  if (!config.problems.empty() && !checking) {
    for (const std::string& problem : config.problems)
      std::fprintf(stderr, "error: config: %s\n", problem.c_str());
    std::fprintf(stderr, "nothing was done; `certkeep config check` lists these\n");
    return kExitUsage;
  }
  const config::Document* document = config.problems.empty() && config.document ? &*config.document : nullptr;
  Layering layers = layer_settings(*first, document, env, /*unset_secrets=*/true);
  if (layers.settings.config_file.empty()) layers.settings.config_file = config.file;
  layers.settings.problems = std::move(config.problems);
  std::vector<std::string> layered = args;
  auto end_of_options = std::find(layered.begin() + 1, layered.end(), "--");
  layered.insert(end_of_options, layers.arguments.begin(), layers.arguments.end());

  auto tree = make_command_tree();
  try {
    parse(tree->app, layered);
  } catch (const CLI::ParseError& error) {
    if (asks_for_help_or_version(error)) return tree->app.exit(error) == 0 ? kExitSuccess : kExitUsage;
    std::string from;
    const std::string what = error.what();
    for (const auto& [option, origin] : layers.origins)
      if (what.find(option) != std::string::npos) from += " (" + option + " from " + origin + ")";
    if (from.empty()) return tree->app.exit(error) == 0 ? kExitSuccess : kExitUsage;
    std::fprintf(stderr, "%s%s\nRun with --help for more information.\n", what.c_str(), from.c_str());
    return kExitUsage;
  }

  GlobalOptions& global = tree->global;
  global.settings = &layers.settings;
  core::log::set_level(global.verbose ? core::log::Level::Debug
                       : global.quiet ? core::log::Level::Error
                                      : core::log::Level::Warn);
  for (std::size_t i = 0; i < tree->commands.size(); ++i) {
    if (!tree->subcommands[i]->parsed()) continue;
    // --json is global; a command may still define its own, which counts too.
    bool json = global.json;
    for (const CommandNode& node : parsed_chain(tree->app))
      if (const CLI::Option* own = node.app->get_option_no_throw("--json");
          own != nullptr && own->count() > 0)
        json = true;
    Output out(json, global.verbose, global.quiet);
    const int code = tree->commands[i]->run(global, out);
    out.finish(command_name(parsed_chain(tree->app).back().path), code);
    if (tree->stats) print_transport_stats();
    return code;
  }
  return kExitUsage;
}

}  // namespace certkeep::cli
