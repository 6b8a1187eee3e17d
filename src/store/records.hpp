// SPDX-License-Identifier: Apache-2.0
// The store's domain types: plain values (PEM text, unix times), no crypto, no SQL.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/key_type.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"

namespace certkeep::store {

using core::SystemTime;

// RFC 8555 §7.1.6. certkeep records an account once the CA answered it is valid; the other two
// are what a CA reports after `deactivate` or a revocation by the CA.
enum class AccountStatus { Valid, Deactivated, Revoked };
std::string_view to_string(AccountStatus status) noexcept;
std::optional<AccountStatus> parse_account_status(std::string_view text) noexcept;

struct AccountRecord {
  std::int64_t id = 0;
  std::string directory_url;
  std::string account_url;  // the "kid"; empty until the CA created it
  core::Secret key_pem;
  std::string contact;  // "mailto:a@b,mailto:c@d" or empty
  AccountStatus status = AccountStatus::Valid;
  SystemTime created_at{};
  // A label, unique in the store ("letsencrypt", "zerossl-prod"); "" only in rows of stores
  // before schema v7, which the lifecycle names on first use.
  std::string name;
  // How to reach its CA: an extra trust root (path) and the pinned server CA's checksum.
  std::string ca_bundle;
  std::string server_ca_checksum;
  // External Account Binding (RFC 8555 §7.3.4) it was registered with, kept for registering
  // again when the CA forgets it: the key id, the MAC key (unpadded base64url; a secret) and
  // the algorithm ("HS256", "HS384", "HS512"). All empty without one.
  std::string eab_key_id;
  core::Secret eab_mac_key;
  std::string eab_algorithm;
  // A key rollover in progress (lifecycle/account_rollover.hpp): the new key, stored before the
  // CA is asked and made key_pem once it confirmed. Empty otherwise.
  core::Secret next_key_pem;
};

// Imported: a certificate certkeep tracks but does not renew (commit_issuance with
// HistoryKind::Imported).
enum class LineageStatus { Pending, Valid, Failed, Revoked, Imported };
std::string_view to_string(LineageStatus status) noexcept;
std::optional<LineageStatus> parse_lineage_status(std::string_view text) noexcept;

// How a lineage proves control of its names other than by DNS-01: HTTP-01 through certkeep's
// own listener (standalone), files under a web server's root (webroot), or the library's
// in-process responder (memory, the Manager's); TLS-ALPN-01 through certkeep's own TLS
// listener (tls-alpn) or the library's TLS helper (tls-alpn-memory); or none, when DNS-01
// proves every name (lifecycle/challenge_plan.hpp has the rule).
enum class ChallengeMethod { Standalone, Webroot, Memory, TlsAlpn, TlsAlpnMemory, None };
std::string_view to_string(ChallengeMethod method) noexcept;
std::optional<ChallengeMethod> parse_challenge_method(std::string_view text) noexcept;

// How DNS-01 records are published: RFC 2136 updates signed with a TSIG key, or a hook command.
enum class DnsMethod { None, Rfc2136, Hook };
std::string_view to_string(DnsMethod method) noexcept;
std::optional<DnsMethod> parse_dns_method(std::string_view text) noexcept;

// A lineage's DNS-01 method. The TSIG key stays in its file: only the path is stored.
struct DnsSettings {
  DnsMethod method = DnsMethod::None;
  std::string server;         // Rfc2136: "HOST[:PORT]", the zones' primary
  std::string tsig_key_file;  // Rfc2136: absolute path of the key file
  std::string hook;           // Hook: the shell command
  std::string resolver;       // Hook: "ADDR[:PORT]" for the propagation check, "" for the system's
  std::chrono::seconds ttl{60};
  std::chrono::seconds propagation_timeout{120};  // 0: no check
  std::chrono::seconds hook_timeout{120};
};

// Who issues a lineage's certificates: an ACME CA (at directory_url, through an account), one
// of certkeep's private CAs (ca_name, `certkeep ca init`), or nobody: an imported certificate
// (`certkeep import`, bring your own) is deployed and watched, never renewed.
enum class IssuerKind { Acme, PrivateCa, Imported };
std::string_view to_string(IssuerKind kind) noexcept;
std::optional<IssuerKind> parse_issuer_kind(std::string_view text) noexcept;

// Another issuer to try when a lineage's own one fails (a fallback CA): an ACME CA with one of
// the store's accounts (by name; "" for the CA's default one), or a private CA.
struct IssuerEntry {
  IssuerKind kind = IssuerKind::Acme;
  std::string directory_url;
  std::string ca_bundle;
  std::string server_ca_checksum;
  std::string account;  // account name
  std::string profile;  // ACME profile at this CA, may be empty
  std::string ca_name;  // for PrivateCa
  friend bool operator==(const IssuerEntry&, const IssuerEntry&) = default;
};

// What `renew` needs to redo an issuance without flags.
struct LineageSettings {
  IssuerKind issuer_kind = IssuerKind::Acme;
  std::string ca_name;                    // for PrivateCa
  std::chrono::seconds leaf_lifetime{0};  // for PrivateCa; 0 means the default (90 days)
  // For Imported: warn (list, log, event, renew's exit code) once less than this is left;
  // 0 means the default (14 days).
  std::chrono::seconds expiry_warning{0};
  std::string directory_url;
  std::string ca_bundle;  // path, may be empty
  // Pins the ACME server: lowercase hex SHA-256 of the CA its TLS chain must end in ("": none).
  std::string server_ca_checksum;
  KeyType key_type = KeyType::EcdsaP256;
  ChallengeMethod challenge_method = ChallengeMethod::Standalone;
  std::string webroot;              // for Webroot
  std::string http_listen = ":80";  // for Standalone
  std::string tls_alpn_listen = ":443";  // for TlsAlpn
  DnsSettings dns;                        // DNS-01, method None when the lineage has none
  // Names proved by another type than the rule gives them: "NAME=TYPE,NAME=TYPE" ("" none).
  std::string challenge_overrides;
  std::string preferred_chain;      // issuer CN, may be empty
  std::string deploy_hook;          // shell command text, may be empty
  std::string email;                // may be empty
  bool reuse_key = false;
  // Deployment (lifecycle/after_deploy.hpp): servers to probe after each deploy,
  // "HOST:PORT[/SNI]" each, and running HAProxies to hand each new certificate to,
  // "SOCKET:CERTFILE" each; stored as the canonical text request_checks makes of them.
  std::vector<std::string> confirm_targets;
  std::vector<std::string> haproxy_targets;
  // The account (by name) to order with; "" for the CA's default one (see LineageRecord::account_id).
  std::string account;
  std::string profile;  // ACME profile sent in every new order ("" for the CA's default)
  // Bring your own CSR (`issue --csr`): PEM, finalized as given at every renewal; the key stays
  // with its owner, so the lineage's key_pem is empty. "" otherwise.
  std::string csr_pem;
  // Tried in order when the lineage's issuer fails with a problem that is not worth retrying
  // there, or stays unreachable for longer than fallback_after (a rate limit never falls over).
  std::vector<IssuerEntry> fallback_issuers;
  std::chrono::seconds fallback_after{24 * 3600};
};

// The last deployment confirmation's verdict: every confirm target served the serial
// (Confirmed), or one served another or none answered in time (Stale); None before any.
enum class ConfirmationState { None, Confirmed, Stale };
std::string_view to_string(ConfirmationState state) noexcept;
std::optional<ConfirmationState> parse_confirmation_state(std::string_view text) noexcept;

// A generation of a private CA. `ca init` makes generation 1 (active); `ca rotate` adds the
// next one, exported beside the active one so clients can trust both before it signs
// anything; `ca rotate --activate` makes it active and retires the old one, which stays
// exported while a lineage's certificate still chains to it.
enum class CaState { Next, Active, Retired };
std::string_view to_string(CaState state) noexcept;
std::optional<CaState> parse_ca_state(std::string_view text) noexcept;

struct PrivateCaRecord {
  std::string name;
  int generation = 0;
  CaState state = CaState::Active;
  KeyType key_type = KeyType::EcdsaP256;
  core::Secret key_pem;
  std::string cert_pem;  // the self-signed root
  SystemTime created_at{};
};

struct LineageRecord {
  std::string name;
  std::vector<std::string> identifiers;  // DNS names, first is the CN
  std::int64_t account_id = 0;
  LineageStatus status = LineageStatus::Pending;
  LineageSettings settings;
  core::Secret key_pem;   // current key (matches cert_pem); empty before issuance
  std::string cert_pem;   // leaf
  std::string chain_pem;  // intermediates
  std::string serial;     // uppercase hex
  std::string issuer;     // issuer CN
  std::optional<SystemTime> not_before;
  std::optional<SystemTime> not_after;
  std::string ari_cert_id;
  std::optional<SystemTime> renew_at;         // when it is due (indexed)
  std::optional<SystemTime> next_attempt_at;  // backoff after a failure
  int attempts = 0;                           // consecutive failures
  std::string last_error;                     // Error::to_string() of the last failure, or empty
  std::string deployed_serial;                // serial whose files are in live/
  std::string hook_pending_serial;            // serial whose deploy hook has not yet succeeded
  SystemTime created_at{};
  SystemTime updated_at{};
  std::optional<SystemTime> ari_check_at;  // next renewalInfo poll; none without ARI
  // The serial of a placeholder (`issue --placeholder`) committed until the first real
  // certificate; it is the one deployed while it equals `serial`.
  std::string placeholder_serial;
  // Which issuer made the current certificate: its directory URL, or "private CA NAME"; ""
  // before the first. A fallback's certificate names the fallback.
  std::string issued_by;
  // When the current run of failures began (cleared by the next certificate): how long the
  // issuer has been failing, for the fallback rule.
  std::optional<SystemTime> failing_since;
  // The last confirmation (record_confirmation): its verdict about confirmed_serial, when, and
  // each probe's result (one line per target). About the current certificate only while
  // confirmed_serial == serial.
  ConfirmationState confirmation = ConfirmationState::None;
  std::string confirmed_serial;
  std::optional<SystemTime> confirmed_at;
  std::string confirmation_detail;
  // The serial whose last-7-days notice the notify hook already got (mark_expiry_notified).
  std::string expiry_notified_serial;
  std::optional<SystemTime> last_success_at;  // the last issuance or renewal committed
  std::optional<SystemTime> last_failure_at;  // the last failure recorded
  bool serves_placeholder() const { return !serial.empty() && serial == placeholder_serial; }

  // The committed certificate still has to reach live/, or its deploy hook still has to
  // succeed: schema v2's deploy_owed column, which deploy_pending_lineages() selects by.
  bool deployment_owed() const {
    return !serial.empty() && (deployed_serial != serial || hook_pending_serial == serial);
  }
};

// What a terminator serving every lineage needs of one that can be served (a certificate, not
// revoked): Store::for_each_servable_lineage.
struct ServableLineageRecord {
  std::string name;
  std::vector<std::string> identifiers;
  std::string serial;
  std::optional<SystemTime> not_after;
};

// The certificate material a renewal commits at once.
struct IssuedCertificate {
  core::Secret key_pem;  // empty only with key_held_elsewhere (a CSR's lineage)
  bool key_held_elsewhere = false;
  std::string cert_pem;
  std::string chain_pem;
  std::string serial;
  std::string issuer;
  SystemTime not_before{};
  SystemTime not_after{};
  std::string ari_cert_id;
  SystemTime renew_at{};
  std::optional<SystemTime> ari_check_at;  // when to poll renewalInfo; none without ARI
  std::string issued_by;                   // LineageRecord::issued_by
  std::int64_t account_id = 0;             // the account that ordered it (0: none, or unchanged)
};

// A DNS-01 record certkeep added and has not yet removed (dns_records): noted before the record
// is added, deleted once it is gone, so the next run removes what a killed run left, with the
// method and settings it was added with.
struct DnsRecordRow {
  std::string lineage;
  DnsMethod method = DnsMethod::Rfc2136;
  std::string server;
  std::string tsig_key_file;
  std::string hook;
  std::string zone;   // "" for a hook
  std::string name;   // "_acme-challenge.example.com"
  std::string value;  // the TXT value
  SystemTime added_at{};
};
struct DnsRecordKey {
  std::string name;
  std::string value;
};

// An order in flight, so a crash can resume or discard it instead of leaving half a renewal.
struct OrderRecord {
  std::string lineage;
  std::string order_url;
  std::string status;
  core::Secret key_pem;  // the new certificate key; lives only here until committed
  SystemTime created_at{};
};

// A row of a lineage's stored history (the events table). Not the library's certkeep::HistoryKind,
// which is what a Manager reports to its caller.
enum class HistoryKind {
  Issued,
  Renewed,
  Failed,
  Deployed,
  DeployFailed,
  HookSucceeded,
  HookFailed,
  Revoked,
  Removed,
  Imported,
  ExpiryWarning,       // an imported certificate is about to expire (once per serial)
  RootChanged,         // a new certificate's chain ends in another CA than the previous one's
  Placeholder,         // a stand-in from the private CA until the first real certificate
  Migrated,            // adopted from another client (certbot) with its certificate, renewed from then on
  DnsHookSucceeded,    // a DNS-01 hook run (present or cleanup) exited 0
  DnsHookFailed,       // … failed, timed out or was killed
  DnsRecordsRemoved,   // DNS-01 records a killed run left were removed
  AccountDeactivated,  // the lineage's account was deactivated; its renewals fail until it has another
  FellBack,            // the lineage's issuer failed and the next one of its fallbacks was tried
  Confirmed,           // every confirm target serves the serial (after a deploy)
  Stale,               // a confirm target serves another serial, or did not answer
  Notified,            // the notify hook ran (its event, reason and outcome in the detail)
  FencedOut            // a renewer's write refused: its lease had passed to another (detail names both)
};
std::string_view to_string(HistoryKind kind) noexcept;

struct EventRecord {
  std::int64_t id = 0;
  std::string lineage;
  HistoryKind kind = HistoryKind::Issued;
  std::string serial;
  std::string detail;  // human text or the problem document (JSON) for failures
  SystemTime at{};
};

// A lease on a lineage, as taken by try_acquire_lease: its owner and its fencing token, which
// grows by one each time the lease changes hands, so a later holder always has a larger one.
struct LeaseGrant {
  std::string owner;
  std::int64_t token = 0;
  SystemTime expires_at{};
};

// What a row of the change feed says changed (the changes table).
enum class ChangeKind {
  Lineage,         // a lineage's certificate, names or settings: read it again
  LineageRemoved,  // the lineage is gone: serve it no more
  Challenge        // a pending challenge answer appeared or went (subject: its token)
};
std::string_view to_string(ChangeKind kind) noexcept;

struct ChangeRecord {
  std::int64_t id = 0;  // the cursor: grows with every committed change
  ChangeKind kind = ChangeKind::Lineage;
  std::string subject;  // the lineage's name, or a challenge's token
  SystemTime at{};
};

// changes_since's answer: the changes after the cursor, oldest first, and whether changes
// between the cursor and the first of them were pruned already (the reader must then read
// everything again).
struct ChangeBatch {
  std::vector<ChangeRecord> changes;
  bool resync_needed = false;
};

// The challenge types a pending answer can be for.
enum class ChallengeKind { Http01, TlsAlpn01, Dns01 };
std::string_view to_string(ChallengeKind kind) noexcept;

// A challenge answer pending at the CA, shared through the store so that every node of a fleet
// answers it, whichever node ordered. HTTP-01: identifier is the host, token the URL's token,
// response the key authorization. TLS-ALPN-01: the key authorization (each node makes the
// validation certificate from it). DNS-01: identifier the record's name, response its TXT
// value, kept until cleaned up.
struct ChallengeRecord {
  ChallengeKind kind = ChallengeKind::Http01;
  std::string identifier;
  std::string token;
  std::string response;
  std::string lineage;
  std::string owner;  // the lease owner of the renewal that presented it
  SystemTime expires_at{};
};

}  // namespace certkeep::store
