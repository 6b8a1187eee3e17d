// SPDX-License-Identifier: Apache-2.0
// Every global option is accepted before and after every command, and every command's own
// options before and after its arguments — checked over the CLI11 definitions themselves
// (cli/command_tree.hpp), so a command or option added later is covered without being listed.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/command_tree.hpp"

using namespace certkeep;

namespace {

struct Parsed {
  std::unique_ptr<cli::CommandTree> tree;
  std::string error_kind;  // "" when the parse succeeded
  std::string error;
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed out{cli::make_command_tree(), "", ""};
  std::vector<std::string> full{"certkeep"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const std::string& arg : full) argv.push_back(arg.c_str());
  try {
    out.tree->app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    // CLI11 names an ExtrasError after the app, so its type is what tells it apart.
    out.error_kind =
        dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ? "ExtrasError" : error.get_name();
    out.error = error.what();
  }
  return out;
}

// The words an option is typed with, with a value when it takes one.
std::vector<std::string> typed(const CLI::Option& option) {
  const std::string name = "--" + cli::long_name(option);
  if (cli::is_flag(option)) return {name};
  return {name, cli::is_numeric(option) ? "7" : "value"};
}

// What a leaf command needs to parse: its required positionals and options, with values.
std::vector<std::string> required_arguments(CLI::App& command) {
  std::vector<std::string> out;
  for (const CLI::Option* option : command.get_options()) {
    if (!option->get_required()) continue;
    if (!option->get_positional()) out.push_back("--" + cli::long_name(*option));
    out.push_back(cli::is_numeric(*option) ? "7" : "example.com");
  }
  return out;
}

std::vector<cli::CommandNode> leaves(CLI::App& root) {
  std::vector<cli::CommandNode> out;
  for (const cli::CommandNode& node : cli::command_nodes(root))
    if (!node.path.empty() && node.app->get_subcommands([](CLI::App*) { return true; }).empty())
      out.push_back(node);
  return out;
}

// Finds option `name` of the command at `path` in a parsed tree.
const CLI::Option* option_at(cli::CommandTree& tree, const std::vector<std::string>& path,
                             const std::string& name) {
  CLI::App* app = &tree.app;
  for (const std::string& part : path) app = app->get_subcommand(part);
  return app->get_option_no_throw("--" + name);
}

}  // namespace

TEST_CASE("every global option is accepted before and after every command", "[cli][options]") {
  auto definitions = cli::make_command_tree();
  const std::vector<cli::CommandNode> commands = leaves(definitions->app);
  const std::vector<CLI::Option*> globals = cli::named_options(definitions->app);
  REQUIRE(commands.size() >= 15);
  REQUIRE(globals.size() >= 6);
  std::size_t checked = 0;
  for (const cli::CommandNode& command : commands) {
    const std::vector<std::string> needed = required_arguments(*command.app);
    for (const CLI::Option* global : globals) {
      const std::vector<std::string> words = typed(*global);
      for (bool before : {true, false}) {
        std::vector<std::string> args;
        if (before) args = words;
        args.insert(args.end(), command.path.begin(), command.path.end());
        args.insert(args.end(), needed.begin(), needed.end());
        if (!before) args.insert(args.end(), words.begin(), words.end());
        Parsed parsed = parse(args);
        INFO("certkeep " <<
             [&] {
               std::string line;
               for (const auto& a : args) line += a + " ";
               return line;
             }() << "-> " << parsed.error_kind
                         << " " << parsed.error);
        // Whatever else the command wants, the global option must have been taken as one.
        CHECK(parsed.error_kind != "ExtrasError");
        CHECK(parsed.tree->app.get_option("--" + cli::long_name(*global))->count() == 1);
        ++checked;
      }
    }
  }
  CHECK(checked == commands.size() * globals.size() * 2);
}

TEST_CASE("every command option is accepted before and after the command's arguments", "[cli][options]") {
  auto definitions = cli::make_command_tree();
  for (const cli::CommandNode& command : leaves(definitions->app)) {
    const std::vector<std::string> needed = required_arguments(*command.app);
    for (const CLI::Option* option : cli::named_options(*command.app)) {
      if (option->get_required()) continue;
      const std::vector<std::string> words = typed(*option);
      for (bool before : {true, false}) {
        std::vector<std::string> args = command.path;
        if (before) args.insert(args.end(), words.begin(), words.end());
        args.insert(args.end(), needed.begin(), needed.end());
        if (!before) args.insert(args.end(), words.begin(), words.end());
        Parsed parsed = parse(args);
        INFO(cli::command_name(command.path) << " " << words.front() << (before ? " first" : " last")
                                             << " -> " << parsed.error_kind << " " << parsed.error);
        CHECK(parsed.error_kind != "ExtrasError");
        CHECK(option_at(*parsed.tree, command.path, cli::long_name(*option))->count() == 1);
      }
    }
  }
}

TEST_CASE("an option no command defines is refused wherever it stands", "[cli][options]") {
  CHECK(parse({"--no-such-option", "list"}).error_kind == "ExtrasError");
  CHECK(parse({"list", "--no-such-option"}).error_kind == "ExtrasError");
  CHECK(parse({"ca", "init", "--no-such-option"}).error_kind == "ExtrasError");
  // A command's own option is not a global one: before the command it is unknown.
  CHECK(parse({"--force", "renew"}).error_kind == "ExtrasError");
}

TEST_CASE("the README's broken examples parse: list --state-dir DIR and issue … --state-dir DIR",
          "[cli][options]") {
  Parsed list = parse({"list", "--state-dir", "/tmp/x"});
  CHECK(list.error_kind.empty());
  CHECK(list.tree->global.state_dir == "/tmp/x");
  Parsed issue = parse({"issue", "-d", "example.com", "--state-dir", "/tmp/y", "--json"});
  CHECK(issue.error_kind.empty());
  CHECK(issue.tree->global.state_dir == "/tmp/y");
  CHECK(issue.tree->global.json);
}
