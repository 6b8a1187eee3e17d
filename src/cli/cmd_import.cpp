// SPDX-License-Identifier: Apache-2.0
// `certkeep import NAME --cert F --key F [--chain F]`: bring your own certificate. It is checked,
// stored as an imported lineage, deployed and hooked like any other, and never renewed.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "cli/lineage_output.hpp"
#include "core/strings.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/certbot_import.hpp"
#include "lifecycle/import.hpp"
#include "lifecycle/request_checks.hpp"

namespace certkeep::cli {

namespace {

class ImportCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "import",
        "Bring your own certificate: deploy and watch it (never renewed); import again to replace it");
    auto* name = cmd->add_option("name", name_, "The lineage's name (live/NAME/)");
    auto* cert = cmd->add_option("--cert", cert_, "The certificate (PEM), optionally followed by its chain");
    auto* key = cmd->add_option("--key", key_, "Its private key (PEM, unencrypted)");
    auto* chain =
        cmd->add_option("--chain", chain_, "The intermediates (PEM), the certificate's issuer first");
    auto* certbot = cmd->add_option("--from-certbot", certbot_dir_,
                                    "Adopt every lineage of this certbot directory (e.g. /etc/letsencrypt): "
                                    "renewed by certkeep from now on");
    cmd->add_option("--ca-bundle", ca_bundle_, "With --from-certbot: an extra root for the CA's HTTPS")
        ->needs(certbot);
    for (CLI::Option* own : {name, cert, key, chain}) certbot->excludes(own);
    name->needs(cert)->needs(key);
    cert->needs(name);
    hook_option_ = cmd->add_option(
        "--deploy-hook", hook_, "Shell command run after each import (CERTKEEP_* env); kept by a re-import");
    warn_option_ =
        cmd->add_option("--warn-days", warn_days_,
                        "Warn (list, log, event, renew exits 1) once fewer days are left (default 14)");
    warn_option_->check(CLI::Range(1, 3650));
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    if (certbot_dir_.empty() && name_.empty())
      return out.error(
          Error(Errc::InvalidArgument, "import: give NAME --cert F --key F, or --from-certbot DIR"));
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    if (!certbot_dir_.empty()) return run_from_certbot(**app, out);
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
      out.raw(json_document("import").key("lineages").str() + "[" +
              lineage_json((*app)->state_dir(), *lineage) + "]}\n");
    } else {
      out.result("imported certificate for " + core::join(lineage->identifiers, ", ") + " (serial " +
                 lineage->serial + ", expires " + format_time(lineage->not_after) +
                 "; not renewed by certkeep)");
      out.result("  " + ((*app)->state_dir() / "live" / lineage->name / "fullchain.pem").string());
    }
    return kExitSuccess;
  }

 private:
  int run_from_certbot(lifecycle::App& app, const Output& out) {
    std::string bundle;
    if (!ca_bundle_.empty()) {
      auto checked = lifecycle::check_ca_bundle(ca_bundle_, "--ca-bundle");
      if (!checked) return out.error(checked.error());
      bundle = checked->string();
    }
    auto imported = lifecycle::import_from_certbot(app.services(), certbot_dir_, bundle);
    if (!imported) return out.error(imported.error().with_context("import --from-certbot"));
    for (const std::string& note : imported->notes) out.warning(note);
    if (out.json()) {
      std::string text;
      for (const auto& lineage : imported->lineages)
        text += (text.empty() ? "" : ",") + lineage_json(app.state_dir(), lineage);
      out.raw(json_document("import").key("lineages").str() + "[" + text + "]}\n");
      return kExitSuccess;
    }
    for (const auto& lineage : imported->lineages)
      out.result("adopted " + lineage.name + " (" + core::join(lineage.identifiers, ", ") + ", serial " +
                 lineage.serial + ", next renewal " + format_time(lineage.renew_at) + ")");
    out.result(std::to_string(imported->lineages.size()) +
               " lineage(s) adopted from certbot; `certkeep renew` renews them from now on (disable "
               "certbot's timer)");
    return kExitSuccess;
  }

  std::string certbot_dir_;
  std::string ca_bundle_;
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
