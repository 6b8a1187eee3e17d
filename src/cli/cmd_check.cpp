// SPDX-License-Identifier: Apache-2.0
// `certkeep check NAME --connect HOST:PORT [--sni NAME]`: does the server serve the stored
// certificate? One TLS handshake per target, without verifying the chain (it compares serials,
// so a stale or private-CA certificate is reported, not refused). Read-only: nothing is stored.
#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "lifecycle/confirmation.hpp"

namespace certkeep::cli {

namespace {

class CheckCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand(
        "check",
        "Does a server serve the stored certificate? A TLS handshake compares serials (no chain "
        "verification); exit 0 if so, 1 if it serves another or cannot be reached");
    cmd->add_option("name", name_, "Lineage name")->required();
    cmd->add_option("--connect", connect_,
                    "HOST:PORT[/SNI] to connect to (repeatable; default: the lineage's --confirm targets)");
    cmd->add_option("--sni", sni_, "SNI for targets without /SNI (default: the lineage's first name)");
    cmd->add_option("--timeout", timeout_seconds_,
                    "Seconds for each handshake, connect included (default 10)")
        ->check(CLI::Range(1, 300));
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    std::vector<lifecycle::ConfirmTarget> targets;
    for (const std::string& text : connect_) {
      auto target = lifecycle::parse_confirm_target(text);
      if (!target) return out.error(target.error());
      if (target->server_name.empty()) target->server_name = sni_;
      targets.push_back(std::move(*target));
    }
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto details = (*app)->show(name_, 1);
    if (!details) return out.error(details.error());
    const lifecycle::LineageRecord& lineage = details->lineage;
    if (targets.empty()) {
      for (const std::string& text : stored_targets(lineage)) {
        auto target = lifecycle::parse_confirm_target(text);
        if (!target) return out.error(target.error());
        targets.push_back(std::move(*target));
      }
    }
    if (targets.empty())
      return out.error(Error(Errc::InvalidArgument, "check " + name_ +
                                                        ": give --connect HOST:PORT (or store targets "
                                                        "with `certkeep edit " +
                                                        name_ + " --confirm HOST:PORT`)"));
    if (lineage.serial.empty())
      return out.error(
          Error(Errc::InvalidArgument, "check " + name_ + ": the lineage has no certificate yet"));
    const std::string default_sni = lineage.identifiers.empty() ? std::string() : lineage.identifiers.front();

    bool all_confirmed = true;
    core::JsonWriter json = json_document("check");
    json.field("name", lineage.name).field("serial", lineage.serial).key("results").begin_array();
    for (const lifecycle::ConfirmTarget& target : targets) {
      const lifecycle::ConfirmResult result = lifecycle::probe_target(target, lineage.serial, default_sni,
                                                                      std::chrono::seconds(timeout_seconds_));
      all_confirmed = all_confirmed && result.state == lifecycle::ConfirmState::Confirmed;
      json.begin_object()
          .field("target", target.to_string())
          .field("state", lifecycle::to_string(result.state))
          .field("served_serial", result.served_serial)
          .field("detail", result.detail)
          .end_object();
      switch (result.state) {
        case lifecycle::ConfirmState::Confirmed:
          out.result("confirmed: " + target.to_string() + " serves " + result.served_serial +
                     ", the stored certificate of " + lineage.name);
          break;
        case lifecycle::ConfirmState::Stale:
          out.result("stale: " + target.to_string() + " serves " + result.served_serial +
                     "; the store holds " + lineage.serial + " for " + lineage.name);
          break;
        case lifecycle::ConfirmState::Unreachable:
          out.result("unreachable: " + result.detail + " (stored " + lineage.serial + ")");
          break;
      }
    }
    json.end_array().field("confirmed", all_confirmed).end_object();
    if (out.json()) out.raw(json.str() + "\n");
    return all_confirmed ? kExitSuccess : kExitFailure;
  }

 private:
  // The lineage's own targets (`issue/edit --confirm`).
  static std::vector<std::string> stored_targets(const lifecycle::LineageRecord& lineage);

  std::string name_;
  std::vector<std::string> connect_;
  std::string sni_;
  int timeout_seconds_ = 10;
};

std::vector<std::string> CheckCommand::stored_targets(const lifecycle::LineageRecord& lineage) {
  return lineage.settings.confirm_targets;
}

}  // namespace

std::unique_ptr<Command> make_check_command() { return std::make_unique<CheckCommand>(); }

}  // namespace certkeep::cli
