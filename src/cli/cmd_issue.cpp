// SPDX-License-Identifier: Apache-2.0
// `certkeep issue`: obtain a certificate now, and remember how, so `renew` needs no flags.
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/issue_request.hpp"
#include "cli/lineage_output.hpp"
#include "core/strings.hpp"

namespace certkeep::cli {

namespace {

class IssueCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("issue", "Obtain a certificate for one or more names now");
    add_issue_flags(*cmd, flags_);
    cmd->add_flag("--json")->description("Print the result as JSON");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto request = build_issue_request(
        flags_,
        [](const char* name) -> std::optional<std::string> {
          const char* value = std::getenv(name);
          return value ? std::optional<std::string>(value) : std::nullopt;
        },
        [&out](std::string_view line) { out.warning(line); });
    if (!request) return out.error(request.error());
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto lineage = (*app)->issue(*request);
    if (!lineage) return out.error(naming_lineage(lineage.error(), request->lineage));
    if (out.json()) {
      out.raw(lineage_json((*app)->state_dir(), *lineage) + "\n");
    } else {
      out.result("certificate for " + core::join(lineage->identifiers, ", ") + " (serial " + lineage->serial +
                 ", expires " + format_time(lineage->not_after) + ")");
      out.result("  " + ((*app)->state_dir() / "live" / lineage->name / "fullchain.pem").string());
    }
    return kExitSuccess;
  }

 private:
  // "NAME: …" like `renew` prints, so a script running several issuances sees which one failed.
  static Error naming_lineage(const Error& error, const std::string& lineage) {
    if (error.message().rfind(lineage + ": ", 0) == 0) return error;
    return error.with_context(lineage);
  }

  IssueFlags flags_;
};

}  // namespace

std::unique_ptr<Command> make_issue_command() { return std::make_unique<IssueCommand>(); }

}  // namespace certkeep::cli
