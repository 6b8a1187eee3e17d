// SPDX-License-Identifier: Apache-2.0
// `certkeep remove`, `certkeep revoke` and `certkeep edit`: changing what is managed.
#include <CLI/CLI.hpp>

#include "cli/challenge_flags.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "lifecycle/lineage_solvers.hpp"
#include "lifecycle/request_checks.hpp"

namespace certkeep::cli {

namespace {

class RemoveCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("remove", "Stop managing a lineage and delete its live files");
    cmd->add_option("name", name_, "Lineage name")->required();
    return cmd;
  }
  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    if (auto removed = (*app)->remove(name_); !removed) return out.error(removed.error());
    out.result("removed " + name_);
    return kExitSuccess;
  }

 private:
  std::string name_;
};

class RevokeCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("revoke", "Revoke a lineage's current certificate at the CA");
    cmd->add_option("name", name_, "Lineage name")->required();
    cmd->add_option("--reason", reason_,
                    "unspecified (default), keyCompromise, superseded, cessationOfOperation");
    return cmd;
  }
  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    if (auto revoked = (*app)->revoke(name_, reason_); !revoked) return out.error(revoked.error());
    out.result("revoked the certificate of " + name_);
    return kExitSuccess;
  }

 private:
  std::string name_;
  std::string reason_;
};

class EditCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("edit", "Change how a lineage is renewed or deployed");
    cmd->add_option("name", name_, "Lineage name")->required();
    deploy_hook_ = cmd->add_option("--deploy-hook", hook_, "New deploy hook command (\"\" removes it)");
    email_ = cmd->add_option("--email", email_text_, "Contact e-mail");
    chain_ = cmd->add_option("--preferred-chain", chain_text_, "Preferred chain issuer CN");
    confirm_ =
        cmd->add_option("--confirm", confirm_targets_,
                        "Replace the confirm targets: HOST:PORT[/SNI] (repeatable; \"\" removes them)");
    haproxy_ =
        cmd->add_option("--deploy-haproxy", haproxy_targets_,
                        "Replace the HAProxy targets: SOCKET:CERTFILE (repeatable; \"\" removes them)");
    add_challenge_flags(*cmd, challenges_, true);
    return cmd;
  }
  int run(const GlobalOptions& global, const Output& out) override {
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto details = (*app)->show(name_);
    if (!details) return out.error(details.error());
    lifecycle::LineageSettings settings = details->lineage.settings;
    if (deploy_hook_->count() > 0) settings.deploy_hook = hook_;
    if (email_->count() > 0) settings.email = email_text_;
    if (chain_->count() > 0) settings.preferred_chain = chain_text_;
    if (confirm_->count() > 0) {
      auto targets = lifecycle::check_confirm_targets(confirm_targets_);
      if (!targets) return out.error(targets.error());
      settings.confirm_targets = std::move(*targets);
    }
    if (haproxy_->count() > 0) {
      auto targets = lifecycle::check_haproxy_targets(haproxy_targets_);
      if (!targets) return out.error(targets.error());
      settings.haproxy_targets = std::move(*targets);
    }
    if (!settings.csr_pem.empty() && !settings.haproxy_targets.empty())
      return out.error(Error(Errc::InvalidArgument,
                             "--deploy-haproxy needs the private key, and " + name_ + " is a --csr lineage"));
    if (auto edited = edit_challenge_flags(challenges_, settings); !edited) return out.error(edited.error());
    // The names must still all be provable (a wildcard keeps needing DNS-01).
    if (settings.issuer_kind == store::IssuerKind::Acme) {
      store::LineageRecord changed = details->lineage;
      changed.settings = settings;
      if (auto types = lifecycle::lineage_challenge_types(changed); !types) return out.error(types.error());
    }
    if (auto updated = (*app)->update_settings(name_, settings); !updated) return out.error(updated.error());
    out.result("updated " + name_);
    return kExitSuccess;
  }

 private:
  std::string name_;
  std::string hook_, email_text_, chain_text_;
  CLI::Option* deploy_hook_ = nullptr;
  CLI::Option* email_ = nullptr;
  CLI::Option* chain_ = nullptr;
  std::vector<std::string> confirm_targets_, haproxy_targets_;
  CLI::Option* confirm_ = nullptr;
  CLI::Option* haproxy_ = nullptr;
  ChallengeFlags challenges_;
};

}  // namespace

std::unique_ptr<Command> make_remove_command() { return std::make_unique<RemoveCommand>(); }
std::unique_ptr<Command> make_revoke_command() { return std::make_unique<RevokeCommand>(); }
std::unique_ptr<Command> make_edit_command() { return std::make_unique<EditCommand>(); }

}  // namespace certkeep::cli
