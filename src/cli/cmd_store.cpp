// SPDX-License-Identifier: Apache-2.0
// `certkeep store migrate --to postgresql://…`: moves the store of a state directory (or of
// --store) into an empty PostgreSQL database, checked row by row, for a fleet of terminators.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "core/json_writer.hpp"
#include "lifecycle/store_migration.hpp"

namespace certkeep::cli {
namespace {

class StoreCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("store", "The store itself: migrate it to PostgreSQL");
    cmd->require_subcommand(1);
    migrate_ = cmd->add_subcommand(
        "migrate",
        "Copy the store (of --state-dir, or --store) into an empty PostgreSQL database at the same schema "
        "version, in one transaction, checked row by row; the source is never changed");
    migrate_->add_option("--to", to_, "The target: a postgresql://… URL (its database must be empty)")
        ->required();
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto report = lifecycle::migrate_store(global.state_dir, global.store, to_);
    if (!report) return out.error(report.error());
    if (out.json()) {
      core::JsonWriter json = json_document("store-migrate");
      json.field("source", report->source)
          .field("target", report->target)
          .field("store_schema_version", report->schema_version)
          .field("verified", true)
          .key("tables")
          .begin_object();
      for (const store::CopiedTable& table : report->tables) json.field(table.name, table.rows);
      json.end_object().end_object();
      out.raw(json.str() + "\n");
      return kExitSuccess;
    }
    std::string counts;
    for (const store::CopiedTable& table : report->tables)
      counts += (counts.empty() ? "" : ", ") + std::to_string(table.rows) + " " + table.name;
    out.result("copied " + report->source + " to " + report->target + " at schema version " +
               std::to_string(report->schema_version) + ": " + counts +
               "; every row and column verified. Use --store with the new URL from now on.");
    return kExitSuccess;
  }

 private:
  CLI::App* migrate_ = nullptr;
  std::string to_;
};

}  // namespace

std::unique_ptr<Command> make_store_command() { return std::make_unique<StoreCommand>(); }

}  // namespace certkeep::cli
