// SPDX-License-Identifier: Apache-2.0
#include "cli/issue_request.hpp"

#include <filesystem>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "core/result_macros.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/lineage_solvers.hpp"
#include "lifecycle/accounts.hpp"
#include "lifecycle/issuer_spec.hpp"
#include "lifecycle/private_ca.hpp"
#include "lifecycle/request_checks.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::cli {

void add_issue_flags(CLI::App& cmd, IssueFlags& flags) {
  store::LineageSettings& settings = flags.settings;
  auto* domains = cmd.add_option("-d,--domain", flags.names,
                                 "A DNS name or IP address (repeat for more; the first is the subject)");
  auto* csr = cmd.add_option("--csr", flags.csr_file,
                             "Order for this CSR (PEM or DER): its names, its key (never seen by certkeep)");
  domains->excludes(csr);
  cmd.add_option("--name", flags.lineage,
                 "Lineage name for the files and the store (default: the first name)");
  cmd.add_option("--email", settings.email, "Contact e-mail for a new ACME account");
  cmd.add_flag("--agree-tos", flags.agree_tos, "Agree to the CA's terms of service");
  cmd.add_option("--server", flags.server,
                 "letsencrypt (default), staging, zerossl, google, google-staging, or an ACME directory URL");
  cmd.add_option("--ca-bundle", settings.ca_bundle,
                 "Extra PEM root to trust for the CA's HTTPS (added to the system roots)");
  cmd.add_option("--key-type", flags.key_type, "ec256 (default), ec384, rsa2048, rsa3072, rsa4096");
  auto* standalone = cmd.add_flag("--standalone", flags.standalone)
                         ->description("Answer HTTP-01 with a built-in responder (default)");
  auto* webroot = cmd.add_option("--webroot", settings.webroot,
                                 "Write HTTP-01 tokens under DIR/.well-known/acme-challenge/");
  standalone->excludes(webroot);
  settings.http_listen.clear();  // empty after the parse: --http-listen was not given
  auto* http_listen = cmd.add_option("--http-listen", settings.http_listen,
                                     "Address of the standalone responder (default :80)");
  add_challenge_flags(cmd, flags.challenges, false);
  // One HTTP-01 or TLS-ALPN-01 method: a default webroot from the config file yields to --tls-alpn.
  cmd.get_option("--tls-alpn")->excludes(standalone)->excludes(webroot)->excludes(http_listen);
  auto* preferred_chain = cmd.add_option("--preferred-chain", settings.preferred_chain,
                                         "Pick the alternate chain whose root has this issuer CN");
  cmd.add_option(
      "--server-ca-checksum", settings.server_ca_checksum,
      "Pin the CA's server: its TLS chain must end in the CA with this sha256 (`certkeep ca checksum`)");
  auto* ca =
      cmd.add_option("--ca", flags.ca, "Issue from this private CA (`certkeep ca init`), not an ACME CA");
  auto* validity = cmd.add_option("--validity", flags.validity_days,
                                  "With --ca: the certificate's lifetime in days (default 90)");
  validity->needs(ca);
  // A private CA's lineage has no ACME server, account or challenge.
  for (const char* acme_only :
       {"--server", "--ca-bundle", "--email", "--agree-tos", "--preferred-chain", "--server-ca-checksum"})
    ca->excludes(cmd.get_option(acme_only));
  ca->excludes(standalone)->excludes(webroot)->excludes(http_listen);
  for (const char* challenge_only : {"--tls-alpn", "--challenge", "--dns-rfc2136", "--tsig-key", "--dns-hook",
                                     "--dns-ttl", "--dns-propagation-timeout", "--dns-hook-timeout", "--dns-resolver"})
    ca->excludes(cmd.get_option(challenge_only));
  (void)preferred_chain;
  cmd.add_option("--deploy-hook", settings.deploy_hook,
                 "Shell command run after each issuance or renewal (CERTKEEP_* env)");
  cmd.add_flag("--reuse-key", settings.reuse_key, "Keep the private key on renewal");
  auto* placeholder =
      cmd.add_flag("--placeholder", flags.placeholder,
                   "Deploy a 7-day certificate from private CA certkeep-ca at once, until the CA's arrives");
  ca->excludes(placeholder);
  auto* dry_run = cmd.add_flag("--dry-run", flags.dry_run,
                               "A full issuance against the CA's staging directory that deploys nothing, "
                               "stores nothing and runs no hook");
  auto* dry_run_server = cmd.add_option("--dry-run-server", flags.dry_run_server,
                                        "With --dry-run: this directory URL instead of the CA's staging one "
                                        "(needed for CAs without a known one)");
  dry_run_server->needs(dry_run);
  cmd.add_option("--confirm", settings.confirm_targets,
                 "After each deploy, check that HOST:PORT[/SNI] serves the new certificate (repeatable)");
  cmd.add_option("--deploy-haproxy", settings.haproxy_targets,
                 "Hand each new certificate to a running HAProxy: SOCKET:CERTFILE (the stats socket, "
                 "level admin, and the crt file its configuration loads; repeatable)");
  dry_run->excludes(ca)->excludes(placeholder);
  cmd.add_option("--account", settings.account,
                 "Order with this account of the store (`certkeep account list`)");
  cmd.add_option("--profile", settings.profile, "ACME profile to order (`certkeep profiles` lists the CA's)");
  auto* fallback = cmd.add_option("--fallback", flags.fallbacks,
                                  "Another issuer to try (repeatable, in order): "
                                  "SERVER[,ca-bundle=F][,account=NAME][,server-ca-checksum=HEX]"
                                  "[,profile=NAME] or ca:NAME");
  cmd.add_option("--fallback-after", flags.fallback_after,
                 "Fall back when the CA stays unreachable this long (default 1d; \"0\": at once)")
      ->needs(fallback);
  csr->excludes(cmd.get_option("--key-type"))->excludes(cmd.get_option("--reuse-key"))->excludes(placeholder);
  csr->excludes(ca);
  for (const char* acme_only : {"--account", "--profile"}) ca->excludes(cmd.get_option(acme_only));
  add_eab_flags(cmd, flags.eab);
  for (const char* eab : {"--eab-kid", "--eab-hmac-key", "--eab-hmac-key-file", "--eab-alg"})
    ca->excludes(cmd.get_option(eab));
}

Result<lifecycle::IssueRequest> build_issue_request(const IssueFlags& flags, const EnvReader& env,
                                                    const std::function<void(std::string_view)>& warn) {
  lifecycle::IssueRequest request;
  store::LineageSettings settings = flags.settings;
  if (!flags.csr_file.empty()) {
    lifecycle::CsrFile csr = CERTKEEP_TRY(lifecycle::read_csr_file(flags.csr_file));
    request.names = std::move(csr.names);
    settings.csr_pem = std::move(csr.pem);
  } else if (flags.names.empty()) {
    return fail(Errc::InvalidArgument, "--domain is required (or --csr FILE)");
  } else {
    request.names = CERTKEEP_TRY(lifecycle::normalize_names(flags.names));
  }
  request.lineage = CERTKEEP_TRY(lifecycle::choose_lineage_name(flags.lineage, request.names));
  settings.confirm_targets = CERTKEEP_TRY(lifecycle::check_confirm_targets(settings.confirm_targets));
  settings.haproxy_targets = CERTKEEP_TRY(lifecycle::check_haproxy_targets(settings.haproxy_targets));
  // HAProxy is handed the key with the certificate; a CSR's key stays with its owner.
  if (!settings.csr_pem.empty() && !settings.haproxy_targets.empty())
    return fail(Errc::InvalidArgument, "--deploy-haproxy needs the private key, and a --csr lineage has none");
  auto key_type = parse_key_type(flags.key_type.empty() ? "ec256" : flags.key_type);
  if (!key_type)
    return fail(Errc::InvalidArgument, "--key-type must be ec256, ec384, rsa2048, rsa3072 or rsa4096");
  settings.key_type = *key_type;
  for (const std::string& spec : flags.fallbacks)
    settings.fallback_issuers.push_back(CERTKEEP_TRY(lifecycle::parse_fallback_spec(spec)));
  if (!flags.fallback_after.empty())
    settings.fallback_after =
        CERTKEEP_TRY(lifecycle::parse_duration(flags.fallback_after, "--fallback-after"));
  if (!flags.ca.empty()) {
    CERTKEEP_TRY(lifecycle::check_ca_name(flags.ca));
    if (flags.validity_days < 1 || flags.validity_days > 3650)
      return fail(Errc::InvalidArgument, "--validity must be 1 to 3650 days");
    settings.issuer_kind = store::IssuerKind::PrivateCa;
    settings.ca_name = flags.ca;
    settings.leaf_lifetime = std::chrono::days(flags.validity_days);
    settings.directory_url.clear();
    settings.http_listen = ":80";
    request.settings = settings;
    return request;
  }
  settings.directory_url = CERTKEEP_TRY(resolve_server(flags.server));
  if (!settings.account.empty())
    settings.account = CERTKEEP_TRY(lifecycle::check_account_name(settings.account));
  if (!settings.profile.empty())
    settings.profile = CERTKEEP_TRY(lifecycle::check_profile_name(settings.profile));
  if (flags.dry_run) {
    // Nothing of a dry run reaches a server, a hook or a terminator.
    const std::string production = settings.directory_url;
    if (!flags.dry_run_server.empty()) {
      settings.directory_url = CERTKEEP_TRY(resolve_server(flags.dry_run_server));
    } else if (auto staging = lifecycle::staging_directory_of(production)) {
      settings.directory_url = *staging;
    } else {
      return fail(Errc::InvalidArgument, "--dry-run: no staging directory is known for " + production +
                                             "; name a test directory with --dry-run-server URL");
    }
    settings.deploy_hook.clear();
    settings.haproxy_targets.clear();
    settings.confirm_targets.clear();
    // The staging CA is another CA: the production account (named or default) and the
    // fallbacks do not apply to it; it gets an account of its own.
    settings.account.clear();
    settings.fallback_issuers.clear();
  }
  if (!settings.ca_bundle.empty())
    settings.ca_bundle = CERTKEEP_TRY(lifecycle::check_ca_bundle(settings.ca_bundle, "--ca-bundle")).string();
  if (!settings.server_ca_checksum.empty())
    settings.server_ca_checksum =
        CERTKEEP_TRY(lifecycle::check_server_ca_checksum(settings.server_ca_checksum));
  const bool http_given = flags.standalone || !settings.http_listen.empty() || !settings.webroot.empty();
  if (!settings.webroot.empty()) {
    std::error_code ec;
    std::filesystem::path root = std::filesystem::absolute(settings.webroot, ec);
    if (ec || !std::filesystem::is_directory(root, ec))
      return fail(Errc::InvalidArgument, "--webroot " + settings.webroot + ": not a directory");
    settings.webroot = root.string();
    settings.challenge_method = store::ChallengeMethod::Webroot;
  } else {
    settings.challenge_method = store::ChallengeMethod::Standalone;
  }
  if (settings.http_listen.empty()) {
    settings.http_listen = ":80";
  } else {
    settings.http_listen = CERTKEEP_TRY(lifecycle::check_listen_address(settings.http_listen, "--http-listen"));
  }
  CERTKEEP_TRY(apply_challenge_flags(flags.challenges, http_given, settings));
  // Every name must have a method that can prove it (a wildcard needs DNS-01), before anything
  // is stored or ordered.
  CERTKEEP_TRY(lifecycle::challenge_types_for(CERTKEEP_TRY(lifecycle::challenge_choice(settings)), request.names));
  request.settings = settings;
  const lifecycle::EabInput eab = CERTKEEP_TRY(read_eab_flags(flags.eab, env, warn));
  auto external_account = CERTKEEP_TRY(lifecycle::parse_eab_input(eab));
  request.account = {.email = settings.email,
                     .agree_terms_of_service = flags.agree_tos,
                     .external_account = std::move(external_account)};
  request.placeholder = flags.placeholder;
  request.dry_run = flags.dry_run;
  return request;
}

}  // namespace certkeep::cli
