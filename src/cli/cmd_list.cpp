// SPDX-License-Identifier: Apache-2.0
// `certkeep list` and `certkeep show NAME`: what is managed, and one lineage in full.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "cli/lineage_output.hpp"

namespace certkeep::cli {

namespace {

class ListCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override { return app.add_subcommand("list", "List managed certificates"); }

  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto lineages = (*app)->list();
    if (!lineages) return out.error(lineages.error());
    if (out.json()) {
      // Written in 64 KiB pieces: a large store's listing never sits in memory as one string.
      std::string chunk = json_document("lineages").key("lineages").str() + "[";
      for (std::size_t i = 0; i < lineages->size(); ++i) {
        if (i) chunk += ',';
        chunk += lineage_json((*app)->state_dir(), (*lineages)[i]);
        if (chunk.size() >= 64 * 1024) {
          out.raw(chunk);
          chunk.clear();
        }
      }
      out.raw(chunk + "]}\n");
    } else {
      out.raw(lineage_table(*lineages, (*app)->services().clock.now()));
    }
    return kExitSuccess;
  }
};

class ShowCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("show", "Show one lineage and its history");
    cmd->add_option("name", name_, "Lineage name")->required();
    cmd->add_option("--events", events_, "How many of the newest events to show (default 50; 0: all)");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    if (events_ < 0) return out.error(Error(Errc::InvalidArgument, "--events must be 0 (all) or more"));
    auto details = (*app)->show(name_, static_cast<std::size_t>(events_));
    if (!details) return out.error(details.error());
    if (out.json())
      out.raw(lineage_details_json((*app)->state_dir(), *details) + "\n");
    else
      out.raw(lineage_details_text((*app)->state_dir(), *details, (*app)->services().clock.now()));
    return kExitSuccess;
  }

 private:
  std::string name_;
  int events_ = 50;
};

}  // namespace

std::unique_ptr<Command> make_list_command() { return std::make_unique<ListCommand>(); }
std::unique_ptr<Command> make_show_command() { return std::make_unique<ShowCommand>(); }

}  // namespace certkeep::cli
