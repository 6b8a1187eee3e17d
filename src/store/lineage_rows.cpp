// SPDX-License-Identifier: Apache-2.0
#include "store/lineage_rows.hpp"

#include "core/result_macros.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

const std::string_view kSettingsColumns =
    "directory_url, ca_bundle, key_type, challenge_method, webroot, http_listen, preferred_chain, "
    "deploy_hook, email, reuse_key, issuer_kind, ca_name, leaf_lifetime, expiry_warning, server_ca_checksum, "
    "tls_alpn_listen, dns_method, dns_server, dns_tsig_key_file, dns_hook, dns_resolver, dns_ttl, "
    "dns_propagation_timeout, dns_hook_timeout, challenge_overrides, "
    "account_name, profile, csr_pem, fallback_issuers, fallback_after, confirm_targets, haproxy_targets";

std::string placeholders(int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i) {
    if (i != first) text += ", ";
    text.append("?").append(std::to_string(i));
  }
  return text;
}

namespace {
// The certificate columns after the settings, as read_lineage reads them and the insert binds them.
constexpr std::string_view kCertificateColumns =
    "key_pem, cert_pem, chain_pem, serial, issuer, not_before, not_after, ari_cert_id, "
    "renew_at, next_attempt_at, attempts, last_error, deployed_serial, hook_pending_serial, "
    "created_at, updated_at";
constexpr int kCertificateColumnCount = 16;
// What the store itself records after a deployment and a renewal attempt; read, never inserted
// (a new row starts with the defaults, a copied one through store_copy).
constexpr std::string_view kDeploymentStateColumns =
    "confirmation, confirmed_serial, confirmed_at, confirmation_detail, expiry_notified_serial, "
    "last_success_at, last_failure_at";

const std::string kLineageColumnsText = std::string("name, identifiers, account_id, status, ")
                                            .append(kSettingsColumns)
                                            .append(", ")
                                            .append(kCertificateColumns)
                                            .append(", ari_check_at, placeholder_serial, issued_by, failing_since, ")
                                            .append(kDeploymentStateColumns);
const std::string kInsertLineageText =
    std::string("INSERT INTO certificates (name, identifiers, account_id, status, ")
        .append(kSettingsColumns)
        .append(", ")
        .append(kCertificateColumns)
        .append(") VALUES (")
        .append(placeholders(1, 4 + kSettingsColumnCount + kCertificateColumnCount))
        .append(")");
}  // namespace

const std::string_view kLineageColumns = kLineageColumnsText;

std::string select_lineages(std::string_view tail) {
  return "SELECT " + std::string(kLineageColumns) + " FROM certificates " + std::string(tail);
}

std::string select_lineage_summaries(std::string_view tail) {
  std::string columns(kLineageColumns);
  const std::string_view pem_columns = "key_pem, cert_pem, chain_pem";
  columns.replace(columns.find(pem_columns), pem_columns.size(), "'', '', ''");
  return "SELECT " + columns + " FROM certificates " + std::string(tail);
}

// `due_at <= ?` is a range search on certificates_by_due_at; rows with a NULL due_at
// (revoked, imported) are never in range.
std::string due_lineages_sql() { return select_lineages("WHERE due_at <= ?1 ORDER BY due_at, name"); }

// `ari_check_at <= ?` implies the partial index's `IS NOT NULL`, so SQLite can use it.
std::string ari_check_due_sql() {
  return select_lineages(
      "WHERE ari_check_at <= ?1 AND serial <> '' AND status NOT IN ('revoked','imported') "
      "ORDER BY ari_check_at, name");
}

// The term matches the partial index's WHERE exactly, which is what lets SQLite use it.
std::string deploy_pending_sql() { return select_lineages("WHERE deploy_owed = 1 ORDER BY name"); }

const std::string_view kInsertLineageSql = kInsertLineageText;

std::string join_identifiers(const std::vector<std::string>& identifiers) {
  std::string text;
  for (const std::string& identifier : identifiers) {
    if (!text.empty()) text += '\n';
    text += identifier;
  }
  return text;
}

std::vector<std::string> split_identifiers(std::string_view text) {
  std::vector<std::string> identifiers;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    identifiers.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return identifiers;
}

Result<void> check_identifiers(const std::vector<std::string>& identifiers) {
  if (identifiers.empty()) return fail(Errc::InvalidArgument, "a lineage needs at least one identifier");
  for (const std::string& identifier : identifiers) {
    if (identifier.empty() || identifier.find('\n') != std::string::npos)
      return fail(Errc::InvalidArgument,
                  "identifier \"" + identifier + "\" cannot be stored (empty or has a newline)");
  }
  return {};
}

namespace {
constexpr char kFieldSeparator = '\t';
constexpr int kIssuerFields = 7;

std::vector<std::string> issuer_fields(const IssuerEntry& entry) {
  return {std::string(to_string(entry.kind)),
          entry.directory_url,
          entry.ca_bundle,
          entry.server_ca_checksum,
          entry.account,
          entry.profile,
          entry.ca_name};
}
}  // namespace

std::string join_issuers(const std::vector<IssuerEntry>& issuers) {
  std::string text;
  for (const IssuerEntry& entry : issuers) {
    if (!text.empty()) text += '\n';
    const std::vector<std::string> fields = issuer_fields(entry);
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) text += kFieldSeparator;
      text += fields[i];
    }
  }
  return text;
}

Result<std::vector<IssuerEntry>> split_issuers(std::string_view text, const std::string& lineage) {
  std::vector<IssuerEntry> issuers;
  for (const std::string& line : split_identifiers(text)) {
    std::vector<std::string> fields;
    std::string_view rest = line;
    while (true) {
      const std::size_t tab = rest.find(kFieldSeparator);
      fields.emplace_back(rest.substr(0, tab));
      if (tab == std::string_view::npos) break;
      rest.remove_prefix(tab + 1);
    }
    auto kind = parse_issuer_kind(fields.front());
    if (fields.size() != kIssuerFields || !kind || *kind == IssuerKind::Imported)
      return fail(Errc::Store, "lineage " + lineage + " has a malformed fallback issuer");
    issuers.push_back(IssuerEntry{*kind, fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]});
  }
  return issuers;
}

Result<void> check_issuers(const std::vector<IssuerEntry>& issuers) {
  for (const IssuerEntry& entry : issuers) {
    if (entry.kind == IssuerKind::Imported)
      return fail(Errc::InvalidArgument, "an imported certificate cannot be a fallback issuer");
    for (const std::string& field : issuer_fields(entry))
      if (field.find_first_of("\t\n") != std::string::npos)
        return fail(Errc::InvalidArgument, "a fallback issuer's setting cannot hold a tab or a newline");
  }
  return {};
}

void bind_settings(sql::Statement& statement, int first, const LineageSettings& settings) {
  statement.bind_text(first + 0, settings.directory_url);
  statement.bind_text(first + 1, settings.ca_bundle);
  statement.bind_text(first + 2, to_string(settings.key_type));
  statement.bind_text(first + 3, to_string(settings.challenge_method));
  statement.bind_text(first + 4, settings.webroot);
  statement.bind_text(first + 5, settings.http_listen);
  statement.bind_text(first + 6, settings.preferred_chain);
  statement.bind_text(first + 7, settings.deploy_hook);
  statement.bind_text(first + 8, settings.email);
  statement.bind_int64(first + 9, settings.reuse_key ? 1 : 0);
  statement.bind_text(first + 10, to_string(settings.issuer_kind));
  statement.bind_text(first + 11, settings.ca_name);
  statement.bind_int64(first + 12, static_cast<std::int64_t>(settings.leaf_lifetime.count()));
  statement.bind_int64(first + 13, static_cast<std::int64_t>(settings.expiry_warning.count()));
  statement.bind_text(first + 14, settings.server_ca_checksum);
  statement.bind_text(first + 15, settings.tls_alpn_listen);
  statement.bind_text(first + 16, to_string(settings.dns.method));
  statement.bind_text(first + 17, settings.dns.server);
  statement.bind_text(first + 18, settings.dns.tsig_key_file);
  statement.bind_text(first + 19, settings.dns.hook);
  statement.bind_text(first + 20, settings.dns.resolver);
  statement.bind_int64(first + 21, static_cast<std::int64_t>(settings.dns.ttl.count()));
  statement.bind_int64(first + 22, static_cast<std::int64_t>(settings.dns.propagation_timeout.count()));
  statement.bind_int64(first + 23, static_cast<std::int64_t>(settings.dns.hook_timeout.count()));
  statement.bind_text(first + 24, settings.challenge_overrides);
  statement.bind_text(first + 25, settings.account);
  statement.bind_text(first + 26, settings.profile);
  statement.bind_text(first + 27, settings.csr_pem);
  statement.bind_text(first + 28, join_issuers(settings.fallback_issuers));
  statement.bind_int64(first + 29, static_cast<std::int64_t>(settings.fallback_after.count()));
  statement.bind_text(first + 30, join_identifiers(settings.confirm_targets));
  statement.bind_text(first + 31, join_identifiers(settings.haproxy_targets));
}

Result<LineageRecord> read_lineage(const sql::Statement& row) {
  LineageRecord lineage;
  int i = 0;
  auto text = [&] { return row.text(i++); };
  auto integer = [&] { return row.int64(i++); };
  auto optional_time = [&] { return read_optional_time(row, i++); };
  auto time = [&] { return read_time(row, i++); };
  lineage.name = text();
  lineage.identifiers = split_identifiers(text());
  lineage.account_id = integer();  // NULL reads as 0: no account yet
  const std::string status = text();
  auto parsed = parse_lineage_status(status);
  if (!parsed) return fail(Errc::Store, "lineage " + lineage.name + " has unknown status \"" + status + "\"");
  lineage.status = *parsed;
  LineageSettings& settings = lineage.settings;
  settings.directory_url = text();
  settings.ca_bundle = text();
  const std::string key_type = text();
  auto parsed_key_type = parse_key_type(key_type);
  if (!parsed_key_type)
    return fail(Errc::Store, "lineage " + lineage.name + " has unknown key type \"" + key_type + "\"");
  settings.key_type = *parsed_key_type;
  const std::string method = text();
  auto parsed_method = parse_challenge_method(method);
  if (!parsed_method)
    return fail(Errc::Store, "lineage " + lineage.name + " has unknown challenge method \"" + method + "\"");
  settings.challenge_method = *parsed_method;
  settings.webroot = text();
  settings.http_listen = text();
  settings.preferred_chain = text();
  settings.deploy_hook = text();
  settings.email = text();
  settings.reuse_key = integer() != 0;
  const std::string issuer_kind = text();
  auto parsed_issuer_kind = parse_issuer_kind(issuer_kind);
  if (!parsed_issuer_kind)
    return fail(Errc::Store, "lineage " + lineage.name + " has unknown issuer kind \"" + issuer_kind + "\"");
  settings.issuer_kind = *parsed_issuer_kind;
  settings.ca_name = text();
  settings.leaf_lifetime = std::chrono::seconds(integer());
  settings.expiry_warning = std::chrono::seconds(integer());
  settings.server_ca_checksum = text();
  settings.tls_alpn_listen = text();
  const std::string dns_method = text();
  auto parsed_dns_method = parse_dns_method(dns_method);
  if (!parsed_dns_method)
    return fail(Errc::Store, "lineage " + lineage.name + " has unknown DNS method \"" + dns_method + "\"");
  settings.dns.method = *parsed_dns_method;
  settings.dns.server = text();
  settings.dns.tsig_key_file = text();
  settings.dns.hook = text();
  settings.dns.resolver = text();
  settings.dns.ttl = std::chrono::seconds(integer());
  settings.dns.propagation_timeout = std::chrono::seconds(integer());
  settings.dns.hook_timeout = std::chrono::seconds(integer());
  settings.challenge_overrides = text();
  settings.account = text();
  settings.profile = text();
  settings.csr_pem = text();
  settings.fallback_issuers = CERTKEEP_TRY(split_issuers(text(), lineage.name));
  settings.fallback_after = std::chrono::seconds(integer());
  settings.confirm_targets = split_identifiers(text());
  settings.haproxy_targets = split_identifiers(text());
  lineage.key_pem = core::Secret(text());
  lineage.cert_pem = text();
  lineage.chain_pem = text();
  lineage.serial = text();
  lineage.issuer = text();
  lineage.not_before = optional_time();
  lineage.not_after = optional_time();
  lineage.ari_cert_id = text();
  lineage.renew_at = optional_time();
  lineage.next_attempt_at = optional_time();
  lineage.attempts = static_cast<int>(integer());
  lineage.last_error = text();
  lineage.deployed_serial = text();
  lineage.hook_pending_serial = text();
  lineage.created_at = time();
  lineage.updated_at = time();
  lineage.ari_check_at = optional_time();
  lineage.placeholder_serial = text();
  lineage.issued_by = text();
  lineage.failing_since = optional_time();
  const std::string confirmation = text();
  auto parsed_confirmation = parse_confirmation_state(confirmation);
  if (!parsed_confirmation)
    return fail(Errc::Store,
                "lineage " + lineage.name + " has unknown confirmation state \"" + confirmation + "\"");
  lineage.confirmation = *parsed_confirmation;
  lineage.confirmed_serial = text();
  lineage.confirmed_at = optional_time();
  lineage.confirmation_detail = text();
  lineage.expiry_notified_serial = text();
  lineage.last_success_at = optional_time();
  lineage.last_failure_at = optional_time();
  return lineage;
}

Result<void> bind_lineage_insert(sql::Statement& insert, const LineageRecord& lineage) {
  if (lineage.name.empty()) return fail(Errc::InvalidArgument, "a lineage needs a name");
  if (auto checked = check_identifiers(lineage.identifiers); !checked) return checked;
  if (auto checked = check_issuers(lineage.settings.fallback_issuers); !checked) return checked;
  insert.bind_text(1, lineage.name);
  insert.bind_text(2, join_identifiers(lineage.identifiers));
  if (lineage.account_id != 0)
    insert.bind_int64(3, lineage.account_id);
  else
    insert.bind_null(3);
  insert.bind_text(4, to_string(lineage.status));
  bind_settings(insert, 5, lineage.settings);
  int i = 5 + kSettingsColumnCount;
  insert.bind_text(i++, lineage.key_pem.view());
  insert.bind_text(i++, lineage.cert_pem);
  insert.bind_text(i++, lineage.chain_pem);
  insert.bind_text(i++, lineage.serial);
  insert.bind_text(i++, lineage.issuer);
  bind_time(insert, i++, lineage.not_before);
  bind_time(insert, i++, lineage.not_after);
  insert.bind_text(i++, lineage.ari_cert_id);
  bind_time(insert, i++, lineage.renew_at);
  bind_time(insert, i++, lineage.next_attempt_at);
  insert.bind_int64(i++, lineage.attempts);
  insert.bind_text(i++, lineage.last_error);
  insert.bind_text(i++, lineage.deployed_serial);
  insert.bind_text(i++, lineage.hook_pending_serial);
  // A record built in memory has no creation time yet: it is created now.
  const core::SystemTime now = store_now();
  bind_time(insert, i++, lineage.created_at == core::SystemTime{} ? now : lineage.created_at);
  bind_time(insert, i++, lineage.updated_at == core::SystemTime{} ? now : lineage.updated_at);
  return {};
}

Error no_lineage(const std::string& name) { return Error(Errc::NotFound, "no lineage named " + name); }

}  // namespace certkeep::store
