// SPDX-License-Identifier: Apache-2.0
#include "cli/challenge_flags.hpp"

#include <filesystem>

#include <CLI/CLI.hpp>

#include "core/result_macros.hpp"
#include "lifecycle/challenge_plan.hpp"
#include "lifecycle/dns_solvers.hpp"
#include "lifecycle/request_checks.hpp"

namespace certkeep::cli {

namespace {

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.string();
}

// "443" → ":443"; "ADDR:PORT" and "[v6]:PORT" as given; checked before anything is stored.
Result<std::string> tls_alpn_listen(const std::string& value) {
  const std::string listen = value.find(':') == std::string::npos ? ":" + value : value;
  return lifecycle::check_listen_address(listen, "--tls-alpn " + value);
}

Result<std::string> overrides_text(const std::vector<std::string>& given) {
  lifecycle::ChallengeChoice choice;
  for (const std::string& text : given)
    if (!text.empty()) CERTKEEP_TRY(lifecycle::add_challenge_override(choice, text));  // "" clears (edit)
  return lifecycle::format_overrides(choice.overrides);
}

}  // namespace

void add_challenge_flags(CLI::App& cmd, ChallengeFlags& flags, bool for_edit) {
  cmd.add_option_function<std::string>(
         "--tls-alpn", [&flags](const std::string& value) { flags.tls_alpn = value.empty() ? ":443" : value; },
         "Answer TLS-ALPN-01 with a built-in TLS responder on [ADDR:]PORT (default :443)")
      ->expected(0, 1);
  flags.given_overrides = cmd.add_option(
      "--challenge", flags.overrides, "NAME=TYPE: prove NAME by http-01, dns-01 or tls-alpn-01 (repeatable)");
  flags.given_dns_server = cmd.add_option("--dns-rfc2136", flags.dns_server,
                                          "DNS-01 through RFC 2136 updates to SERVER[:PORT] (the zones' primary)");
  flags.given_tsig_key = cmd.add_option("--tsig-key", flags.tsig_key,
                                        "With --dns-rfc2136: the TSIG key file (BIND's format, as tsig-keygen prints it)");
  flags.given_hook =
      cmd.add_option("--dns-hook", flags.dns_hook, "DNS-01 through this command (present/cleanup, CERTKEEP_DNS_* env)");
  flags.given_dns_server->excludes(flags.given_hook);
  flags.given_ttl = cmd.add_option("--dns-ttl", flags.dns_ttl, "TTL of the TXT records in seconds (default 60)");
  flags.given_propagation = cmd.add_option(
      "--dns-propagation-timeout", flags.propagation_timeout,
      "Wait at most this long (seconds) for every authoritative server to answer (default 120; 0: no check)");
  flags.given_hook_timeout =
      cmd.add_option("--dns-hook-timeout", flags.hook_timeout, "Seconds a DNS hook run may take (default 120)");
  flags.given_resolver = cmd.add_option("--dns-resolver", flags.dns_resolver,
                                        "With --dns-hook: ADDR[:PORT] that finds the zone's servers (default: the system's)");
  if (for_edit) {
    auto* no_dns = cmd.add_flag("--no-dns", flags.no_dns, "Drop the DNS-01 method");
    no_dns->excludes(flags.given_dns_server)->excludes(flags.given_hook);
  } else {
    // Said to CLI11, not only checked later: a config file's or the environment's key file or
    // resolver then applies only to an issue that uses its method (cli/settings.hpp).
    flags.given_tsig_key->needs(flags.given_dns_server);
    flags.given_resolver->needs(flags.given_hook);
  }
}

Result<void> apply_challenge_flags(const ChallengeFlags& flags, bool http_given, store::LineageSettings& settings) {
  store::DnsSettings dns;
  if (!flags.dns_server.empty()) {
    dns.method = store::DnsMethod::Rfc2136;
    dns.server = flags.dns_server;
    dns.tsig_key_file = flags.tsig_key.empty() ? "" : absolute_path(flags.tsig_key);
  } else if (!flags.dns_hook.empty()) {
    dns.method = store::DnsMethod::Hook;
    dns.hook = flags.dns_hook;
    dns.resolver = flags.dns_resolver;
  } else if (!flags.tsig_key.empty()) {
    return fail(Errc::InvalidArgument, "--tsig-key goes with --dns-rfc2136 SERVER");
  }
  dns.ttl = std::chrono::seconds(flags.dns_ttl);
  dns.propagation_timeout = std::chrono::seconds(flags.propagation_timeout);
  dns.hook_timeout = std::chrono::seconds(flags.hook_timeout);
  CERTKEEP_TRY(lifecycle::check_dns_settings(dns));
  settings.dns = dns;
  if (!flags.tls_alpn.empty()) {
    if (http_given) return fail(Errc::InvalidArgument, "--tls-alpn and an HTTP-01 flag: choose one of the two");
    settings.challenge_method = store::ChallengeMethod::TlsAlpn;
    settings.tls_alpn_listen = CERTKEEP_TRY(tls_alpn_listen(flags.tls_alpn));
  } else if (!http_given && dns.method != store::DnsMethod::None) {
    settings.challenge_method = store::ChallengeMethod::None;  // DNS-01 proves every name
  }
  settings.challenge_overrides = CERTKEEP_TRY(overrides_text(flags.overrides));
  return {};
}

Result<void> edit_challenge_flags(const ChallengeFlags& flags, store::LineageSettings& settings) {
  store::DnsSettings& dns = settings.dns;
  if (flags.no_dns) dns = store::DnsSettings{};
  if (flags.given_dns_server->count() > 0) {
    dns.method = store::DnsMethod::Rfc2136;
    dns.server = flags.dns_server;
    dns.hook.clear();
  }
  if (flags.given_tsig_key->count() > 0) dns.tsig_key_file = absolute_path(flags.tsig_key);
  if (flags.given_hook->count() > 0) {
    dns.method = store::DnsMethod::Hook;
    dns.hook = flags.dns_hook;
    dns.server.clear();
    dns.tsig_key_file.clear();
  }
  if (flags.given_resolver->count() > 0) dns.resolver = flags.dns_resolver;
  if (flags.given_ttl->count() > 0) dns.ttl = std::chrono::seconds(flags.dns_ttl);
  if (flags.given_propagation->count() > 0) dns.propagation_timeout = std::chrono::seconds(flags.propagation_timeout);
  if (flags.given_hook_timeout->count() > 0) dns.hook_timeout = std::chrono::seconds(flags.hook_timeout);
  CERTKEEP_TRY(lifecycle::check_dns_settings(dns));
  if (!flags.tls_alpn.empty()) {
    settings.challenge_method = store::ChallengeMethod::TlsAlpn;
    settings.tls_alpn_listen = CERTKEEP_TRY(tls_alpn_listen(flags.tls_alpn));
  }
  if (settings.challenge_method == store::ChallengeMethod::None && dns.method == store::DnsMethod::None)
    return fail(Errc::InvalidArgument, "--no-dns would leave the lineage without any challenge method");
  if (flags.given_overrides->count() > 0) settings.challenge_overrides = CERTKEEP_TRY(overrides_text(flags.overrides));
  return {};
}

}  // namespace certkeep::cli
