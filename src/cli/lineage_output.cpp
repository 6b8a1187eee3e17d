// SPDX-License-Identifier: Apache-2.0
#include "cli/lineage_output.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "cli/json_document.hpp"
#include "core/json_writer.hpp"
#include "core/strings.hpp"
#include "core/time_format.hpp"
#include "lifecycle/import.hpp"
#include "lifecycle/lineage_solvers.hpp"
#include "lifecycle/issuer_spec.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep::cli {

namespace {

// The last confirmation's verdict about the current certificate: confirmed, stale, or none
// (no target, not probed yet, or a verdict about an older certificate).
std::string confirmation_state(const lifecycle::LineageRecord& lineage) {
  if (lineage.confirmation == store::ConfirmationState::None || lineage.confirmed_serial != lineage.serial)
    return "none";
  return std::string(store::to_string(lineage.confirmation));
}

// The challenge type of each name of an ACME lineage, in order; empty for other issuers (and
// for settings that no longer prove every name, which the store never holds).
std::vector<std::pair<std::string, std::string>> challenges_of(const lifecycle::LineageRecord& lineage) {
  std::vector<std::pair<std::string, std::string>> out;
  if (lineage.settings.issuer_kind != store::IssuerKind::Acme) return out;
  auto types = lifecycle::lineage_challenge_types(lineage);
  if (!types) return out;
  for (std::size_t i = 0; i < types->size(); ++i)
    out.emplace_back(lineage.identifiers[i], std::string(to_string((*types)[i])));
  return out;
}

// "rfc2136 127.0.0.1:53 (key FILE)", "hook CMD", "-".
std::string dns_method_text(const store::DnsSettings& dns) {
  switch (dns.method) {
    case store::DnsMethod::Rfc2136: return "rfc2136 " + dns.server + " (key " + dns.tsig_key_file + ")";
    case store::DnsMethod::Hook:
      return "hook " + dns.hook + (dns.resolver.empty() ? "" : " (resolver " + dns.resolver + ")");
    case store::DnsMethod::None: break;
  }
  return "-";
}

void write_dns(core::JsonWriter& json, const store::DnsSettings& dns) {
  json.key("dns").begin_object().field("method", std::string(store::to_string(dns.method)));
  if (dns.method != store::DnsMethod::None) {
    json.field("server", dns.server)
        .field("tsig_key_file", dns.tsig_key_file)
        .field("hook", dns.hook)
        .field("resolver", dns.resolver)
        .field("ttl", static_cast<std::int64_t>(dns.ttl.count()))
        .field("propagation_timeout", static_cast<std::int64_t>(dns.propagation_timeout.count()))
        .field("hook_timeout", static_cast<std::int64_t>(dns.hook_timeout.count()));
  }
  json.end_object();
}

void write_lineage(core::JsonWriter& json, const std::filesystem::path& state_dir,
                   const lifecycle::LineageRecord& lineage, std::string_view account) {
  auto time_field = [&](std::string_view name, const std::optional<core::SystemTime>& time) {
    json.key(name);
    if (time)
      json.value(core::format_rfc3339(*time));
    else
      json.null();
  };
  const std::filesystem::path live = state_dir / "live" / lineage.name;
  json.begin_object()
      .field("name", lineage.name)
      .field("names", lineage.identifiers)
      .field("status", std::string(store::to_string(lineage.status)))
      .field("serial", lineage.serial)
      .field("issuer_kind", std::string(store::to_string(lineage.settings.issuer_kind)))
      .field("ca", lineage.settings.ca_name)
      .field("issuer", lineage.issuer)
      .field("server_ca_checksum", lineage.settings.server_ca_checksum)
      .field("placeholder", lineage.serves_placeholder())
      // The CA the chain ends in (`certkeep ca checksum`); "" in listings, which omit chains.
      .field("root_checksum", lifecycle::chain_root_checksum(lineage.chain_pem));
  time_field("not_before", lineage.not_before);
  time_field("not_after", lineage.not_after);
  time_field("renew_at", lineage.renew_at);
  time_field("next_attempt_at", lineage.next_attempt_at);
  time_field("ari_check_at", lineage.ari_check_at);
  time_field("last_success_at", lineage.last_success_at);
  time_field("last_failure_at", lineage.last_failure_at);
  if (lineage.settings.issuer_kind == store::IssuerKind::Imported)
    json.field("expiry_warning_days",
               static_cast<std::int64_t>(lifecycle::expiry_warning_of(lineage.settings).count() / 86400));
  json.field("attempts", lineage.attempts)
      .field("last_error", lineage.last_error)
      .field("deployed_serial", lineage.deployed_serial)
      .field("hook_pending", !lineage.hook_pending_serial.empty())
      .field("server", lineage.settings.directory_url)
      .field("key_type", to_string(lineage.settings.key_type))
      .field("challenge", store::to_string(lineage.settings.challenge_method))
      .field("tls_alpn_listen", lineage.settings.challenge_method == store::ChallengeMethod::TlsAlpn
                                    ? lineage.settings.tls_alpn_listen
                                    : std::string());
  write_dns(json, lineage.settings.dns);
  // Each name's challenge type: {"example.com": "http-01", "*.example.com": "dns-01"}.
  json.key("challenges").begin_object();
  for (const auto& [name, type] : challenges_of(lineage)) json.field(name, type);
  json.end_object()
      .field("deploy_hook", lineage.settings.deploy_hook)
      .field("deploy_haproxy", lineage.settings.haproxy_targets)
      .field("confirm_targets", lineage.settings.confirm_targets)
      .field("cert_path", (live / "cert.pem").string())
      .field("chain_path", (live / "chain.pem").string())
      .field("fullchain_path", (live / "fullchain.pem").string())
      // A CSR's lineage has no key file: its owner holds the key.
      .field("key_path", lineage.settings.csr_pem.empty() ? (live / "privkey.pem").string() : std::string())
      .field("account", account.empty() ? std::string_view(lineage.settings.account) : account)
      .field("issued_by", lineage.issued_by)
      .field("profile", lineage.settings.profile)
      .field("csr", !lineage.settings.csr_pem.empty());
  json.key("fallbacks").begin_array();
  for (const store::IssuerEntry& entry : lineage.settings.fallback_issuers)
    json.value(lifecycle::describe_issuer(entry));
  json.end_array().field("fallback_after_seconds", static_cast<std::int64_t>(lineage.settings.fallback_after.count()));
  json.key("confirmation").begin_object().field("state", confirmation_state(lineage));
  time_field("at", lineage.confirmed_at);
  json.field("serial", lineage.confirmed_serial).field("detail", lineage.confirmation_detail).end_object();
  json.end_object();
}

// "acme: <issuer CN>" or "private-ca: <CA name>".
std::string issuer_column(const lifecycle::LineageRecord& lineage) {
  const std::string kind(store::to_string(lineage.settings.issuer_kind));
  if (lineage.settings.issuer_kind == store::IssuerKind::PrivateCa)
    return kind + ": " + lineage.settings.ca_name;
  return lineage.issuer.empty() ? kind : kind + ": " + lineage.issuer;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

std::string format_time(const std::optional<core::SystemTime>& time) {
  if (!time) return "-";
  std::string text = core::format_rfc3339(*time);  // 2026-02-01T12:00:00Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string days_left(const std::optional<core::SystemTime>& time, core::SystemTime now) {
  if (!time) return "-";
  auto hours = std::chrono::duration_cast<std::chrono::hours>(*time - now).count();
  return std::to_string(hours / 24);
}

std::string lineage_json(const std::filesystem::path& state_dir, const lifecycle::LineageRecord& lineage) {
  core::JsonWriter json;
  write_lineage(json, state_dir, lineage, {});
  return json.str();
}

std::string lineage_table(const std::vector<lifecycle::LineageRecord>& lineages, core::SystemTime now) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"NAME", "NAMES", "CHALLENGES", "ISSUER", "NOT AFTER", "DAYS", "NEXT RENEWAL", "STATUS", "LAST ERROR"});
  for (const auto& lineage : lineages) {
    std::string next =
        lineage.next_attempt_at && (!lineage.renew_at || *lineage.next_attempt_at > *lineage.renew_at)
            ? format_time(lineage.next_attempt_at)
            : format_time(lineage.renew_at);
    std::string status(store::to_string(lineage.status));
    if (!lineage.hook_pending_serial.empty() && lineage.hook_pending_serial == lineage.serial &&
        lineage.last_error.empty())
      status += " (hook pending)";
    if (lineage.serves_placeholder()) status += " (placeholder)";
    if (confirmation_state(lineage) == "stale") status += " (stale: a server serves another)";
    if (lifecycle::imported_expiring(lineage, now)) status += " (expiring: import a new one)";
    std::vector<std::string> types;  // in the order of NAMES
    for (const auto& challenge : challenges_of(lineage)) types.push_back(challenge.second);
    rows.push_back({lineage.name, core::join(lineage.identifiers, ","), types.empty() ? "-" : core::join(types, ","),
                    issuer_column(lineage),
                    format_time(lineage.not_after), days_left(lineage.not_after, now), next, status,
                    core::sanitize_for_terminal(lineage.last_error, 60)});
  }
  return format_table(rows);
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return "";
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], std::min<std::size_t>(row[c].size(), 48));
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      if (c) line += "  ";
      line += pad(row[c], widths[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string lineage_details_text(const std::filesystem::path& state_dir,
                                 const lifecycle::LineageDetails& details, core::SystemTime now) {
  const auto& l = details.lineage;
  const std::filesystem::path live = state_dir / "live" / l.name;
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += pad(std::string(label) + ":", 17) + core::sanitize_for_terminal(value, 4096) + "\n";
  };
  line("name", l.name);
  const auto challenges = challenges_of(l);
  if (challenges.empty()) {
    line("names", core::join(l.identifiers, ", "));
  } else {
    std::vector<std::string> shown;
    for (const auto& [name, type] : challenges) shown.push_back(name + " (" + type + ")");
    line("names", core::join(shown, ", "));
  }
  line("status",
       std::string(store::to_string(l.status)) +
           (l.serves_placeholder() ? " (placeholder from private CA certkeep-ca until the first certificate)"
                                   : ""));
  line("serial", l.serial.empty() ? "-" : l.serial);
  line("issuer",
       issuer_column(l) + (l.settings.issuer_kind == store::IssuerKind::PrivateCa && !l.issuer.empty()
                               ? " (" + l.issuer + ")"
                               : ""));
  if (!l.chain_pem.empty()) line("chain ends in", lifecycle::describe_chain_root(l.chain_pem));
  if (!l.settings.server_ca_checksum.empty()) line("server pinned", l.settings.server_ca_checksum);
  line("not before", format_time(l.not_before));
  line("not after", format_time(l.not_after) + " (" + days_left(l.not_after, now) + " days left)");
  line("renew at", format_time(l.renew_at));
  // RFC 9773: when the CA is next asked whether it moved the renewal window.
  if (l.ari_check_at) line("ARI next check", format_time(l.ari_check_at));
  line("next attempt", format_time(l.next_attempt_at));
  line("failed attempts", std::to_string(l.attempts));
  line("last error", l.last_error.empty() ? "-" : l.last_error);
  line("deployed serial", l.deployed_serial.empty() ? "-" : l.deployed_serial);
  if (l.settings.issuer_kind == store::IssuerKind::Acme) {
    line("server", l.settings.directory_url);
    line("account", details.account.empty() ? "-" : details.account);
    if (!l.settings.profile.empty()) line("profile", l.settings.profile);
  }
  if (!l.issued_by.empty()) line("issued by", l.issued_by);
  for (std::size_t i = 0; i < l.settings.fallback_issuers.size(); ++i)
    line("fallback " + std::to_string(i + 1), lifecycle::describe_issuer(l.settings.fallback_issuers[i]));
  if (!l.settings.fallback_issuers.empty())
    line("fall back after", std::to_string(l.settings.fallback_after.count()) + " s unreachable");
  line("key type", std::string(to_string(l.settings.key_type)));
  const std::string method(store::to_string(l.settings.challenge_method));
  if (l.settings.issuer_kind == store::IssuerKind::Imported)
    line("expiry warning", std::to_string(lifecycle::expiry_warning_of(l.settings).count() / 86400) +
                               " days before not after (imported: never renewed)");
  if (l.settings.issuer_kind != store::IssuerKind::Acme) {
    // No challenge: a private CA is certkeep's own; an imported certificate is not renewed.
  } else
    switch (l.settings.challenge_method) {
      case store::ChallengeMethod::Webroot: line("challenge", method + " " + l.settings.webroot); break;
      case store::ChallengeMethod::Standalone:
        line("challenge", method + " " + l.settings.http_listen);
        break;
      case store::ChallengeMethod::Memory:
      case store::ChallengeMethod::TlsAlpnMemory: line("challenge", method); break;
      case store::ChallengeMethod::TlsAlpn: line("challenge", method + " " + l.settings.tls_alpn_listen); break;
      case store::ChallengeMethod::None: break;
    }
  if (l.settings.issuer_kind == store::IssuerKind::Acme && l.settings.dns.method != store::DnsMethod::None)
    line("dns-01", dns_method_text(l.settings.dns));
  if (!l.settings.challenge_overrides.empty()) line("per-name", l.settings.challenge_overrides);
  line("deploy hook", l.settings.deploy_hook.empty() ? "-" : l.settings.deploy_hook);
  if (!l.settings.haproxy_targets.empty()) line("haproxy", core::join(l.settings.haproxy_targets, ", "));
  if (!l.settings.confirm_targets.empty()) {
    line("confirm on", core::join(l.settings.confirm_targets, ", "));
    const std::string state = confirmation_state(l);
    line("confirmation", state == "none" ? std::string("- (not probed since serial ") + l.serial + ")"
                                         : state + " " + format_time(l.confirmed_at));
    if (state != "none" && !l.confirmation_detail.empty())
      line("  probes", l.confirmation_detail.substr(0, l.confirmation_detail.find('\n')));
  }
  if (l.last_success_at) line("last success", format_time(l.last_success_at));
  if (l.last_failure_at) line("last failure", format_time(l.last_failure_at));
  if (l.settings.csr_pem.empty())
    line("files", live.string() + "/{cert,chain,fullchain,privkey}.pem");
  else
    line("files", live.string() + "/{cert,chain,fullchain}.pem (the key is the CSR owner's)");
  out += "events:\n";
  for (const auto& event : details.events) {
    std::string detail = event.detail.substr(0, event.detail.find('\n'));
    out += "  " + core::format_rfc3339(event.at) + "  " + pad(std::string(store::to_string(event.kind)), 16) +
           (event.serial.empty() ? "" : event.serial + "  ") + core::sanitize_for_terminal(detail, 300) +
           "\n";
  }
  return out;
}

std::string lineage_details_json(const std::filesystem::path& state_dir,
                                 const lifecycle::LineageDetails& details) {
  core::JsonWriter json = json_document("lineage");
  json.key("lineage");
  write_lineage(json, state_dir, details.lineage, details.account);
  json.key("events").begin_array();
  for (const auto& event : details.events) {
    json.begin_object()
        .field("at", core::format_rfc3339(event.at))
        .field("kind", std::string(store::to_string(event.kind)))
        .field("serial", event.serial)
        .field("detail", event.detail)
        .end_object();
  }
  json.end_array().end_object();
  return json.str();
}

}  // namespace certkeep::cli
