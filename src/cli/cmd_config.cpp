// SPDX-License-Identifier: Apache-2.0
// `certkeep config show [KEY…]` and `certkeep config check`: every setting's effective value and
// where it came from, and what is wrong with the config file and the environment.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/command_tree.hpp"
#include "cli/exit_codes.hpp"
#include "cli/generated_docs.hpp"
#include "cli/json_document.hpp"
#include "cli/lineage_output.hpp"
#include "cli/settings.hpp"
#include "core/strings.hpp"

namespace certkeep::cli {

namespace {

std::string describe_source(const Settings& settings, const Setting& setting) {
  switch (setting.source) {
    case SettingSource::Default: return "default";
    case SettingSource::CommandLine: return "command line";
    case SettingSource::Environment: return "env " + setting.environment;
    case SettingSource::File: return settings.config_file + ":" + std::to_string(setting.line);
  }
  return "default";
}

// Secrets are never printed; an empty value stays empty so "unset" is visible.
std::vector<std::string> shown_values(const Setting& setting) {
  if (setting.secret && !setting.values.empty()) return {"(secret)"};
  return setting.values;
}

bool selected(const Setting& setting, const std::vector<std::string>& keys) {
  if (keys.empty()) return true;
  for (const std::string& key : keys)
    if (setting.key == key || setting.key.rfind(key + ".", 0) == 0 || (key.empty() && setting.path.empty()))
      return true;
  return false;
}

class ConfigCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("config", "The config file and environment: effective values, checks");
    cmd->require_subcommand(1);
    show_ = cmd->add_subcommand("show", "Every setting's effective value and where it came from");
    show_->add_option("keys", keys_, "Only these keys or commands (e.g. state-dir, issue, ca.init)");
    check_ = cmd->add_subcommand(
        "check",
        "Check the config file and CERTKEEP_* variables; exit 2 naming the line and key of each error");
    template_ =
        cmd->add_subcommand("template", "Print a config file with every key commented out, with its default");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    if (global.settings == nullptr) return out.error(Error(Errc::Internal, "config: no settings"));
    if (template_->parsed()) {
      auto tree = make_command_tree();
      out.raw(config_template(tree->app));
      return kExitSuccess;
    }
    return check_->parsed() ? run_check(*global.settings, out) : run_show(*global.settings, out);
  }

 private:
  int run_show(const Settings& settings, const Output& out) {
    if (out.json()) {
      core::JsonWriter json = json_document("config");
      json.field("config_file", settings.config_file).key("settings").begin_array();
      for (const Setting& setting : settings.entries) {
        if (!selected(setting, keys_)) continue;
        json.begin_object()
            .field("key", setting.key)
            .field("environment", setting.environment)
            .field("values", shown_values(setting))
            .field("source", to_string(setting.source));
        if (setting.source == SettingSource::File) json.field("line", setting.line);
        json.end_object();
      }
      out.raw(json.end_array().end_object().str() + "\n");
      return kExitSuccess;
    }
    std::vector<std::vector<std::string>> rows{{"KEY", "VALUE", "SOURCE"}};
    for (const Setting& setting : settings.entries) {
      if (!selected(setting, keys_)) continue;
      rows.push_back(
          {setting.key, core::join(shown_values(setting), " "), describe_source(settings, setting)});
    }
    out.raw("config file: " + (settings.config_file.empty() ? std::string("none") : settings.config_file) +
            "\n");
    out.raw(format_table(rows));
    return kExitSuccess;
  }

  int run_check(const Settings& settings, const Output& out) {
    const std::string file =
        settings.config_file.empty() ? std::string("no config file") : settings.config_file;
    if (out.json()) {
      out.raw(json_document("config-check")
                  .field("config_file", settings.config_file)
                  .field("ok", settings.problems.empty())
                  .field("problems", settings.problems)
                  .end_object()
                  .str() +
              "\n");
    } else {
      for (const std::string& problem : settings.problems)
        std::fprintf(stderr, "error: %s\n", problem.c_str());
      if (settings.problems.empty())
        out.result(file + ": ok");
      else
        std::fprintf(stderr, "%zu error(s)\n", settings.problems.size());
    }
    return settings.problems.empty() ? kExitSuccess : kExitUsage;
  }

  CLI::App* show_ = nullptr;
  CLI::App* check_ = nullptr;
  CLI::App* template_ = nullptr;
  std::vector<std::string> keys_;
};

}  // namespace

std::unique_ptr<Command> make_config_command() { return std::make_unique<ConfigCommand>(); }

}  // namespace certkeep::cli
