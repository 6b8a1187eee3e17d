// SPDX-License-Identifier: Apache-2.0
// `certkeep issue`: obtain a certificate now, and remember how, so `renew` needs no flags.
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/issue_request.hpp"
#include "cli/json_document.hpp"
#include "cli/lineage_output.hpp"
#include "core/strings.hpp"
#include "core/time_format.hpp"

namespace certkeep::cli {

namespace {

class IssueCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("issue", "Obtain a certificate for one or more names now");
    add_issue_flags(*cmd, flags_);
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto request = build_issue_request(
        flags_, take_environment_variable, [&out](std::string_view line) { out.warning(line); });
    if (!request) return out.error(request.error());
    if (request->dry_run) return run_dry(*request, out);
    auto app = open_app(global, out);
    if (!app) return out.error(app.error());
    auto lineage = (*app)->issue(*request);
    if (!lineage) return out.error(naming_lineage(lineage.error(), request->lineage));
    if (out.json()) {
      out.raw(json_document("issue").field("dry_run", false).key("lineage").str() +
              lineage_json((*app)->state_dir(), *lineage) + "}\n");
    } else {
      out.result("certificate for " + core::join(lineage->identifiers, ", ") + " (serial " + lineage->serial +
                 ", expires " + format_time(lineage->not_after) + ")");
      out.result("  " + ((*app)->state_dir() / "live" / lineage->name / "fullchain.pem").string());
    }
    return kExitSuccess;
  }

 private:
  // The whole issuance against the staging directory, in an in-memory store and a temporary
  // directory that disappear with it: the real store and live/ are never opened.
  int run_dry(const lifecycle::IssueRequest& request, const Output& out) {
    auto scratch = ScratchDir::create("dry-run");
    if (!scratch) return out.error(scratch.error());
    auto app = open_scratch_app(scratch->path(), out);
    if (!app) return out.error(app.error());
    out.progress("dry run against " + request.settings.directory_url);
    auto lineage = (*app)->issue(request);
    if (!lineage) return out.error(naming_lineage(lineage.error(), request.lineage).with_context("dry run"));
    if (out.json()) {
      core::JsonWriter json = json_document("issue");
      json.field("dry_run", true)
          .field("server", request.settings.directory_url)
          .field("name", lineage->name)
          .field("names", lineage->identifiers)
          .field("serial", lineage->serial)
          .field("issuer", lineage->issuer)
          .field("not_after", lineage->not_after ? core::format_rfc3339(*lineage->not_after) : std::string());
      out.raw(json.end_object().str() + "\n");
    } else {
      out.result("dry run: " + request.settings.directory_url + " issued a certificate for " +
                 core::join(lineage->identifiers, ", ") + " (serial " + lineage->serial + ", expires " +
                 format_time(lineage->not_after) + "); nothing was stored or deployed, no hook ran");
    }
    return kExitSuccess;
  }

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
