// SPDX-License-Identifier: Apache-2.0
// `config check` and every command's first step: a config file is checked against the CLI11
// definitions, and each problem names the line and the key. Values are checked by the options'
// own CLI11 validators, through a parse of `certkeep <command> --option=value`.
#include <algorithm>
#include <cctype>
#include <map>

#include "cli/settings.hpp"

namespace certkeep::cli {

namespace {

struct Known {
  std::map<std::vector<std::string>, std::map<std::string, CLI::Option*>> options;  // per command
  std::map<std::string, std::vector<std::string>> commands_with;                    // option name -> commands
};

std::string expected_kind(const CLI::Option& option) {
  if (is_flag(option)) return "true or false";
  const std::string scalar = is_numeric(option) ? "an integer" : "a string";
  return is_repeatable(option) ? scalar + " or an array of them" : scalar;
}

bool kind_fits(const CLI::Option& option, const config::Value& value) {
  using config::ValueKind;
  auto scalar_fits = [&](ValueKind kind) {
    if (is_flag(option)) return kind == ValueKind::Boolean;
    if (is_numeric(option))
      return kind == ValueKind::Integer ||
             (kind == ValueKind::Float && option.get_type_name().rfind("FLOAT", 0) == 0);
    return kind == ValueKind::String;
  };
  if (value.kind == ValueKind::Array)
    return is_repeatable(option) && (value.items.empty() || scalar_fits(value.element_kind));
  return scalar_fits(value.kind);
}

// CLI11's own verdict on VALUES for the option: its conversion and validators run on a parse of
// `certkeep PATH --option=value…`; a missing required option or an exclusion is not the value's
// fault and passes.
std::optional<std::string> value_problem(const TreeFactory& make_tree, const std::vector<std::string>& path,
                                         const std::string& option, const std::vector<std::string>& values,
                                         bool flag) {
  auto tree = make_tree();
  std::vector<std::string> args{"certkeep"};
  args.insert(args.end(), path.begin(), path.end());
  for (const std::string& value : values) args.push_back("--" + option + "=" + value);
  if (flag && values.empty()) args.push_back("--" + option);
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    tree->app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& error) {
    // CLI11 names some errors after the app, so the type says what failed.
    if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr ||
        dynamic_cast<const CLI::ConversionError*>(&error) != nullptr ||
        dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr)
      return std::string(error.what());
  }
  return std::nullopt;
}

// A command name, "[issue]" or "[ca.init]", for the table headers the user should write.
std::string table_of(const std::vector<std::string>& path) {
  return path.empty() ? "the top level"
                      : "[" + config::dotted_key({path.begin(), path.end() - 1}, path.back()) + "]";
}

}  // namespace

std::vector<std::string> check_config(const config::Document& document, unsigned mode,
                                      const TreeFactory& make_tree) {
  auto tree = make_tree();
  Known known;
  for (const CommandNode& node : command_nodes(tree->app)) {
    auto& options = known.options[node.path];
    for (CLI::Option* option : named_options(*node.app)) {
      options[long_name(*option)] = option;
      known.commands_with[long_name(*option)].push_back(table_of(node.path));
    }
  }
  std::vector<std::pair<int, std::string>> found;  // by line, in the file's order
  auto problem = [&](int line, const std::string& key, const std::string& what) {
    found.emplace_back(line, document.source + ":" + std::to_string(line) + ": " + key + ": " + what);
  };
  for (const config::Table& table : document.tables)
    if (known.options.count(table.path) == 0)
      problem(table.line,
              "[" + config::dotted_key({table.path.begin(), table.path.end() - 1}, table.path.back()) + "]",
              "no such command; a table names a command ([issue], [renew], [ca.init], …)");

  for (const config::Entry& entry : document.entries) {
    const std::string key = config::dotted_key(entry.table, entry.key);
    auto command = known.options.find(entry.table);
    if (command == known.options.end()) {
      // Reported with its table header; dotted keys at the top level have no header.
      bool has_header = false;
      for (const config::Table& table : document.tables) has_header |= table.path == entry.table;
      if (!has_header)
        problem(entry.line, key, "unknown key: `" + command_name(entry.table) + "` is no command");
      continue;
    }
    std::vector<std::string> as_command = entry.table;
    as_command.push_back(entry.key);
    if (entry.value.kind == config::ValueKind::Table && known.options.count(as_command) > 0)
      continue;  // an inline table for a subcommand: its keys are entries of their own
    auto option = command->second.find(entry.key);
    if (option == command->second.end()) {
      std::string hint;
      if (auto elsewhere = known.commands_with.find(entry.key); elsewhere != known.commands_with.end()) {
        hint = "; it is an option of ";
        for (std::size_t i = 0; i < elsewhere->second.size(); ++i)
          hint += (i ? ", " : "") + elsewhere->second[i];
      }
      problem(entry.line, key,
              "unknown key: " +
                  std::string(entry.table.empty() ? "no global option"
                                                  : "`" + command_name(entry.table) + "` has no option") +
                  " --" + entry.key + hint);
      continue;
    }
    const CLI::Option& definition = *option->second;
    if (!kind_fits(definition, entry.value)) {
      problem(entry.line, key,
              "wrong type: " + std::string(config::to_string(entry.value.kind)) + ", expected " +
                  expected_kind(definition));
      continue;
    }
    bool carries_password = false;
    for (const std::string& item : entry.value.items) carries_password = carries_password || has_password(item);
    if ((is_secret(definition) || carries_password) && (mode & 077) != 0) {
      problem(entry.line, key,
              "a secret in a file that group or others can read; `chmod 600 " + document.source +
                  "` (or keep it in the environment)");
      continue;
    }
    std::vector<std::string> values = entry.value.items;
    if (is_flag(definition)) {
      if (values.front() == "false") continue;  // nothing to check
      values.clear();
    }
    if (auto refused = value_problem(make_tree, entry.table, entry.key, values, is_flag(definition)))
      problem(entry.line, key, *refused);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> problems;
  for (auto& [line, text] : found) problems.push_back(std::move(text));
  return problems;
}

std::vector<std::string> check_environment(const EnvironmentLookup& env, const TreeFactory& make_tree) {
  auto tree = make_tree();
  std::vector<std::string> problems;
  for (const CommandNode& node : command_nodes(tree->app)) {
    for (CLI::Option* option : named_options(*node.app)) {
      const std::string name = environment_name(node.path, *option);
      if (name.empty()) continue;
      auto value = env(name);
      if (!value || value->empty()) continue;
      std::vector<std::string> values{*value};
      if (is_repeatable(*option)) {
        values.clear();
        std::string word;
        for (char c : *value + " ") {
          if (!std::isspace(static_cast<unsigned char>(c))) {
            word += c;
          } else if (!word.empty()) {
            values.push_back(word);
            word.clear();
          }
        }
      }
      if (is_flag(*option)) {
        // The same words layer_settings accepts; anything else goes to CLI11 as --flag=VALUE.
        static const std::vector<std::string> words{"1", "true", "yes", "on", "0", "false", "no", "off"};
        std::string lowered;
        for (char c : *value) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (std::find(words.begin(), words.end(), lowered) != words.end()) continue;
      }
      if (auto refused = value_problem(make_tree, node.path, long_name(*option), values, false))
        problems.push_back("environment " + name + ": " + *refused);
    }
  }
  return problems;
}

}  // namespace certkeep::cli
