// SPDX-License-Identifier: Apache-2.0
// `certkeep import NAME --cert F --key F [--chain F]`: bring your own certificate. It is checked,
// stored as an imported lineage, deployed and hooked like any other, and never renewed.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/lineage_output.hpp"
#include "core/strings.hpp"
#include "lifecycle/import.hpp"

namespace certkeep::cli {

namespace {

class ImportCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "import",
        "Bring your own certificate: deploy and watch it (never renewed); import again to replace it");
    cmd->add_option("name", name_, "The lineage's name (live/NAME/)")->required();
    cmd->add_option("--cert", cert_, "The certificate (PEM), optionally followed by its chain")->required();
    cmd->add_option("--key", key_, "Its private key (PEM, unencrypted)")->required();
    cmd->add_option("--chain", chain_, "The intermediates (PEM), the certificate's issuer first");
    hook_option_ = cmd->add_option(
        "--deploy-hook", hook_, "Shell command run after each import (CERTKEEP_* env); kept by a re-import");
    warn_option_ =
        cmd->add_option("--warn-days", warn_days_,
                        "Warn (list, log, event, renew exits 1) once fewer days are left (default 14)");
    warn_option_->check(CLI::Range(1, 3650));
    cmd->add_flag("--json")->description("Print the result as JSON");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    lifecycle::ImportRequest request{.lineage = name_,
                                     .cert_file = cert_,
                                     .key_file = key_,
                                     .chain_file = chain_,
                                     .deploy_hook = std::nullopt,
                                     .expiry_warning = std::nullopt};
    if (hook_option_->count() > 0) request.deploy_hook = hook_;
    if (warn_option_->count() > 0) request.expiry_warning = std::chrono::days(warn_days_);
    auto lineage = lifecycle::import_certificate((*app)->services(), request);
    if (!lineage) return out.error(lineage.error().with_context("import " + name_));
    if (out.json()) {
      out.raw(lineage_json((*app)->state_dir(), *lineage) + "\n");
    } else {
      out.result("imported certificate for " + core::join(lineage->identifiers, ", ") + " (serial " +
                 lineage->serial + ", expires " + format_time(lineage->not_after) +
                 "; not renewed by certkeep)");
      out.result("  " + ((*app)->state_dir() / "live" / lineage->name / "fullchain.pem").string());
    }
    return kExitSuccess;
  }

 private:
  std::string name_;
  std::string cert_;
  std::string key_;
  std::string chain_;
  std::string hook_;
  int warn_days_ = static_cast<int>(lifecycle::kDefaultExpiryWarning.count());
  CLI::Option* hook_option_ = nullptr;
  CLI::Option* warn_option_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_import_command() { return std::make_unique<ImportCommand>(); }

}  // namespace certkeep::cli
