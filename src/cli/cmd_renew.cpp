// SPDX-License-Identifier: Apache-2.0
// `certkeep renew`: renew what is due (the systemd timer runs this twice a day).
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "core/json_writer.hpp"
#include "core/time_format.hpp"
#include "lifecycle/metrics_report.hpp"

namespace certkeep::cli {

namespace {

class RenewCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("renew", "Renew every certificate that is due");
    cmd->add_option("--name", name_, "Only this lineage");
    cmd->add_flag("--force", force_, "Renew even if not due");
    cmd->add_flag("--dry-run", dry_run_, "Show what would be renewed; change nothing");
    cmd->add_option("--concurrency", concurrency_, "Lineages renewed at once (default 1)")
        ->check(CLI::Range(1, 64));
    cmd->add_option(
        "--metrics-file", metrics_file_,
        "Write Prometheus metrics to this node_exporter textfile (*.prom) after the run, atomically");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    lifecycle::RenewSelection selection;
    if (!name_.empty()) selection.name = name_;
    selection.force = force_;
    selection.dry_run = dry_run_;
    selection.concurrency = concurrency_;
    auto summary = (*app)->renew(selection);
    bool metrics_failed = false;
    // The textfile is written whatever happened, failures included: that is what alerts read.
    if (!metrics_file_.empty() && !dry_run_) {
      auto lineages = (*app)->list();
      auto written =
          lineages ? lifecycle::write_metrics_file(
                         metrics_file_, lifecycle::render_metrics(*lineages, (*app)->services().clock.now()))
                   : Result<void>(tl::unexpected(lineages.error()));
      if (!written) metrics_failed = out.error(written.error()) != kExitSuccess;
    }
    if (!summary) return out.error(summary.error());

    core::JsonWriter json = json_document("renew");
    json.field("dry_run", dry_run_).key("results").begin_array();
    for (const auto& result : summary->results) {
      std::string outcome(lifecycle::to_string(result.outcome));
      if (dry_run_ && result.outcome == lifecycle::RenewOutcome::Renewed) outcome = "would renew";
      json.begin_object()
          .field("name", result.lineage)
          .field("outcome", outcome)
          .field("serial", result.serial);
      json.field("error", result.error ? result.error->to_string() : std::string());
      json.end_object();
      if (result.error) {
        out.error(result.error->with_context(result.lineage));
      } else if (result.outcome != lifecycle::RenewOutcome::NotDue || global.verbose) {
        out.result(result.lineage + ": " + outcome +
                   (result.serial.empty() ? "" : " (serial " + result.serial + ")"));
      }
    }
    json.end_array()
        .field("renewed", static_cast<std::int64_t>(summary->renewed()))
        .field("failed", static_cast<std::int64_t>(summary->failed()))
        .field("checked", static_cast<std::int64_t>(summary->results.size()));
    json.key("expiring").begin_array();
    for (const auto& expiring : summary->expiring)
      json.begin_object()
          .field("name", expiring.lineage)
          .field("serial", expiring.serial)
          .field("not_after", core::format_rfc3339(expiring.not_after))
          .end_object();
    json.end_array();
    json.end_object();
    if (out.json()) out.raw(json.str() + "\n");
    for (const auto& expiring : summary->expiring)
      out.warning(expiring.lineage + ": imported certificate " + expiring.serial + " expires " +
                  core::format_rfc3339(expiring.not_after) +
                  "; certkeep does not renew it: `certkeep import " + expiring.lineage + "` a new one");
    if (summary->failed() > 0) {
      // A renewal that failed keeps the old certificate; a deployment that failed after the new
      // one was committed may have left either in place, as its own error says.
      const bool only_renewals_failed =
          std::none_of(summary->results.begin(), summary->results.end(),
                       [](const auto& r) { return r.outcome == lifecycle::RenewOutcome::DeployFailed; });
      out.result(std::to_string(summary->failed()) + " of " + std::to_string(summary->results.size()) +
                 " lineage(s) failed" +
                 (only_renewals_failed ? "; the previous certificates stay deployed" : ""));
      return kExitFailure;
    }
    // An imported certificate about to expire needs a person: the timer's run fails visibly.
    if (!summary->expiring.empty()) return kExitFailure;
    if (summary->results.empty()) out.result("nothing is due");
    return metrics_failed ? kExitFailure : kExitSuccess;
  }

 private:
  std::string name_;
  bool force_ = false;
  bool dry_run_ = false;
  int concurrency_ = 1;
  std::string metrics_file_;
};

}  // namespace

std::unique_ptr<Command> make_renew_command() { return std::make_unique<RenewCommand>(); }

}  // namespace certkeep::cli
