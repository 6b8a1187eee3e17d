// SPDX-License-Identifier: Apache-2.0
// `certkeep issue`: obtain a certificate now, and remember how, so `renew` needs no flags.
#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/lineage_output.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "lifecycle/request_checks.hpp"

namespace certkeep::cli {

namespace {

class IssueCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("issue", "Obtain a certificate for one or more names now");
    cmd->add_option("-d,--domain", names_, "A DNS name (repeat for more; the first is the subject)")
        ->required();
    cmd->add_option("--name", lineage_, "Lineage name for the files and the store (default: the first name)");
    cmd->add_option("--email", settings_.email, "Contact e-mail for a new ACME account");
    cmd->add_flag("--agree-tos", agree_tos_, "Agree to the CA's terms of service");
    cmd->add_option("--server", server_, "letsencrypt (default), staging, or an ACME directory URL");
    cmd->add_option("--ca-bundle", settings_.ca_bundle,
                    "Extra PEM root to trust for the CA's HTTPS (added to the system roots)");
    cmd->add_option("--key-type", key_type_, "ec256 (default), ec384, rsa2048, rsa3072, rsa4096");
    auto* standalone =
        cmd->add_flag("--standalone")->description("Answer HTTP-01 with a built-in responder (default)");
    auto* webroot = cmd->add_option("--webroot", settings_.webroot,
                                    "Write HTTP-01 tokens under DIR/.well-known/acme-challenge/");
    standalone->excludes(webroot);
    cmd->add_option("--http-listen", settings_.http_listen,
                    "Address of the standalone responder (default :80)");
    cmd->add_option("--preferred-chain", settings_.preferred_chain,
                    "Pick the alternate chain whose root has this issuer CN");
    cmd->add_option("--deploy-hook", settings_.deploy_hook,
                    "Shell command run after each issuance or renewal (CERTKEEP_* env)");
    cmd->add_flag("--reuse-key", settings_.reuse_key, "Keep the private key on renewal");
    cmd->add_flag("--json")->description("Print the result as JSON");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    auto request = build_request();
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

  Result<lifecycle::IssueRequest> build_request() {
    lifecycle::IssueRequest request;
    request.names = CERTKEEP_TRY(lifecycle::normalize_names(names_));
    request.lineage = CERTKEEP_TRY(lifecycle::choose_lineage_name(lineage_, request.names));
    settings_.directory_url = CERTKEEP_TRY(resolve_server(server_));
    if (!settings_.ca_bundle.empty())
      settings_.ca_bundle =
          CERTKEEP_TRY(lifecycle::check_ca_bundle(settings_.ca_bundle, "--ca-bundle")).string();
    auto key_type = parse_key_type(key_type_.empty() ? "ec256" : key_type_);
    if (!key_type)
      return fail(Errc::InvalidArgument, "--key-type must be ec256, ec384, rsa2048, rsa3072 or rsa4096");
    settings_.key_type = *key_type;
    if (!settings_.webroot.empty()) {
      std::error_code ec;
      std::filesystem::path root = std::filesystem::absolute(settings_.webroot, ec);
      if (ec || !std::filesystem::is_directory(root, ec))
        return fail(Errc::InvalidArgument, "--webroot " + settings_.webroot + ": not a directory");
      settings_.webroot = root.string();
      settings_.challenge_method = store::ChallengeMethod::Webroot;
    } else {
      settings_.challenge_method = store::ChallengeMethod::Standalone;
      if (settings_.http_listen.empty()) settings_.http_listen = ":80";
    }
    request.settings = settings_;
    request.account = {.email = settings_.email, .agree_terms_of_service = agree_tos_};
    return request;
  }

  std::vector<std::string> names_;
  std::string lineage_;
  std::string server_;
  std::string key_type_;
  bool agree_tos_ = false;
  lifecycle::LineageSettings settings_;
};

}  // namespace

std::unique_ptr<Command> make_issue_command() { return std::make_unique<IssueCommand>(); }

}  // namespace certkeep::cli
