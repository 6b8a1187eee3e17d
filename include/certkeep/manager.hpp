// SPDX-License-Identifier: Apache-2.0
// Manager: the library entry point for a TLS terminator. It keeps certificates issued and
// renewed in-process (ACME HTTP-01, answered by the terminator's own port-80 handler through
// http01_response), and hands the current one to every TLS handshake as an immutable
// snapshot, so a renewal needs no reload and drops no connection.
//
//   auto manager = certkeep::Manager::open({.state_dir = "/var/lib/myproxy/certs",
//                                           .email = "ops@example.com", .agree_tos = true});
//   // start the port-80 listener first: it must answer manager->http01_response(...)
//   (*manager)->manage({"example.com", "www.example.com"});
//   certkeep::use_managed_certificates(ssl_ctx, **manager);  // certkeep/openssl.hpp
//   (*manager)->start();
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"
#include "certkeep/challenge.hpp"
#include "certkeep/event.hpp"
#include "certkeep/key_type.hpp"
#include "certkeep/on_demand.hpp"
#include "certkeep/result.hpp"

namespace certkeep {

struct ManagerOptions {
  // Where the store (certkeep.db) and live/<lineage>/ files go; created 0700 when missing.
  // Default (empty): /var/lib/certkeep for root, else $XDG_STATE_HOME/certkeep. The CLI
  // (`certkeep list --state-dir …`) can inspect the same directory.
  std::filesystem::path state_dir;
  // The store, when not the SQLite file <state_dir>/certkeep.db: another SQLite file's path, or
  // a PostgreSQL connection URI shared by a fleet of terminators, e.g.
  // "postgresql://certkeep@db.example/certkeep" or "postgresql:///certkeep?host=/run/postgresql"
  // (libpq's syntax; keep a password in ~/.pgpass or PGPASSFILE rather than here). The database
  // must exist; its schema is created or upgraded at open. live/ files stay in state_dir.
  // Errors name the server, never the password. Default: empty, the SQLite file.
  std::string store;
  // ACME directory: an https URL, "staging", or empty / "letsencrypt" for Let's Encrypt
  // production.
  std::string directory_url;
  // A PEM file of extra trust roots for the CA's HTTPS (e.g. Pebble's). Default: none, the
  // system roots only.
  std::filesystem::path ca_bundle;
  // Account contact, without "mailto:". Default: none.
  std::string email;
  // Agreement to the CA's terms of service; issuing fails with Errc::InvalidArgument when the
  // CA has terms and this is false. Default: false.
  bool agree_tos = false;
  // Key type of new certificate keys. Default: ECDSA P-256.
  KeyType key_type = KeyType::EcdsaP256;
  // Longest sleep of the renewal thread between checks, so edits by other processes (e.g.
  // `certkeep renew` on the same state directory) are picked up. The thread wakes earlier
  // when a certificate or a retry is due. Default: 1 h.
  std::chrono::seconds check_interval = std::chrono::hours(1);
  // Pins the ACME server: the hex SHA-256 (`certkeep ca checksum --server URL`) of the CA its
  // TLS chain must end in; every connection to another fails. Default: none.
  std::string server_ca_checksum;
  // Issue from this private CA of the store instead of the ACME CA (created with the defaults,
  // `certkeep ca init`'s, when missing). Default: none, the ACME CA.
  std::string private_ca;
  // External Account Binding for the account registered with the CA (RFC 8555 §7.3.4): the key
  // id and MAC key (base64url, padded or not) the CA gave, and the MAC algorithm ("HS256", the
  // default, "HS384" or "HS512"). Required by CAs whose directory says externalAccountRequired
  // (ZeroSSL, Google Trust Services, …): without it issuing fails with Errc::InvalidArgument
  // before any request. The key is never logged. Default: none.
  std::string eab_key_id;
  std::string eab_mac_key;
  std::string eab_algorithm;
  // Before a lineage's first certificate, deploy and serve a 7-day placeholder from private CA
  // certkeep-ca, so handshakes succeed while the CA is asked; manage() then keeps the lineage
  // (serving the placeholder) even when that first issuance fails. Default: false.
  bool placeholder = false;
  // How names other than wildcards prove control: Http01 (default) through http01_response() on
  // the terminator's port 80; TlsAlpn01 through use_managed_certificates() on its own port 443
  // (RFC 8737: no port 80 needed; ordinary handshakes are not affected); Dns01 for every name
  // (needs dns01).
  ChallengeType challenge = ChallengeType::Http01;
  // The DNS-01 method: an RFC 2136 server and TSIG key file, or a hook (certkeep/challenge.hpp).
  // Needed for wildcard names ("*.example.com") and for challenge == Dns01. Default: none.
  std::optional<Dns01Options> dns01;

  // Check the store's integrity at open (SQLite's PRAGMA quick_check). It reads the whole file:
  // about 1 s per 100,000 lineages, so a terminator that must start at once over a large store
  // turns it off (SQLite still reports a damaged page it reads as an error). Default: true.
  bool verify_store = true;

  // Serve every lineage of the store, not only those passed to manage() and import(): a
  // handshake for a name no managed lineage has finds the lineage claiming it (exact name, then
  // "*.parent" for one label, exact preferred) in an in-memory index of every servable lineage's
  // names (a certificate, not revoked), built by open() from one pass over the store (about 40
  // bytes per name: 1,000,000 names take ~40 MiB), then that lineage's certificate comes from a
  // bounded cache or, on its first handshake, from one indexed read of the store, parsed once.
  // Such lineages are served, never renewed, by this Manager: something else renews them (the
  // daemon, `certkeep renew`, another node of a fleet). Changes reach the index and the cache
  // through lineage_changed() and lineage_removed() (this Manager calls them for its own
  // renewals) and a resynchronization every check_interval. Default: false.
  bool serve_all_lineages = false;
  // Bounds of that cache, both kept (least recently used out, per one of up to 16 shards). A
  // cached certificate costs about 10 KiB (PEM text plus the parsed OpenSSL objects), so the
  // defaults hold 10,000 certificates in ~100 MiB. Default: 10,000 and 160 MiB.
  std::size_t cache_max_certificates = 10000;
  std::size_t cache_max_bytes = 160u * 1024 * 1024;
  // Store connections for those reads (cold handshakes and changes), opened when first needed;
  // a read holds one only while it reads. Default: 2.
  std::size_t store_read_connections = 2;
  // Follow the store's change feed: a lineage this Manager serves (managed, or indexed with
  // serve_all_lineages), renewed by another process or node, is served here within a second
  // (not at the next check_interval or resynchronization), and with a
  // PostgreSQL store every node answers the HTTP-01 challenges any node's renewal presented
  // (http01_response). PostgreSQL: LISTEN/NOTIFY on a connection of its own, reconnected with
  // backoff, resynchronised from its cursor so no change is missed. SQLite: the change counter
  // read every 250 ms (several processes on one host). Default: on for a PostgreSQL store, off
  // for SQLite.
  std::optional<bool> follow_changes;
};

// What the Manager serves now (Manager::serving_stats).
struct ServingStats {
  std::size_t managed = 0;            // lineages held in memory (manage(), import())
  std::size_t indexed_lineages = 0;   // serve_all_lineages: lineages in the name index
  std::size_t indexed_names = 0;      // and their names
  std::size_t index_bytes = 0;        // memory the index holds
  std::size_t cached = 0;             // certificates in the cache now
  std::size_t cache_bytes = 0;        // their estimated memory
  std::uint64_t cache_hits = 0;       // handshakes answered from the cache
  std::uint64_t loads = 0;            // certificates read from the store on a miss
  std::uint64_t failed_loads = 0;     // reads the store could not answer (those handshakes failed)
  std::uint64_t evictions = 0;        // certificates dropped to stay within the bounds
};

// Thread-safety: every method may be called from any thread. certificate(), http01_response(),
// lineage_changed() and lineage_removed() never wait for a renewal; manage(), import() and
// renew_now() wait for the renewal step in progress (they share one store connection).
// Destroying the Manager calls stop(). The Manager must outlive every SSL_CTX it was installed
// into.
//
// Cost: manage() reads and publishes only the lineage it manages, so managing N lineages takes
// O(N); each pass of the renewal thread asks the store once which lineages are due (indexed
// queries) and renews those it manages; its sleep comes from an in-memory schedule.
class Manager final : public CertificateSource {
 public:
  class Impl;  // defined in src/lifecycle/manager_impl.hpp

  // Opens (creating if missing) the store in options.state_dir. Does no network I/O.
  // Errc::InvalidArgument for a bad directory URL, a ca_bundle that is not a readable file, or
  // dns01 settings that cannot work (both or neither of rfc2136_server and hook, a TSIG key file
  // that is missing, malformed or readable by others, challenge == Dns01 without dns01);
  // Errc::Io / Errc::Store when the state directory or the store cannot be opened.
  static Result<std::unique_ptr<Manager>> open(ManagerOptions options);

  // Used by open(); an Impl can only be made inside the library.
  explicit Manager(std::unique_ptr<Impl> impl);
  ~Manager() override;
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Ensures `lineage` (default: names[0], without a wildcard's "*.") has a certificate for
  // exactly `names` and keeps it renewed from now on. Blocking: when the store already has a
  // valid, unexpired certificate for these names it is served at once; otherwise one is issued
  // now, each name proved by ManagerOptions::challenge (HTTP-01 through http01_response(), so
  // the port-80 handler must already be running; TLS-ALPN-01 through use_managed_certificates()
  // on port 443) and wildcards by DNS-01 (ManagerOptions::dns01).
  // Publishes the snapshot and notifies subscribers (Issued) before returning.
  // Errc::InvalidArgument for an empty or invalid name, a wildcard without ManagerOptions::dns01
  // or an invalid lineage name; the issuance's error otherwise (Errc::CaProblem
  // with the CA's problem document when the CA refused; a Failed event is sent too). After a
  // failed first issuance the lineage is not managed: call manage() again to retry. Calling
  // it for a managed lineage with other names replaces its certificate (a Renewed event).
  Result<void> manage(const std::vector<std::string>& names, std::string lineage = "");

  // Starts the renewal thread: it renews each managed lineage when due (ARI window or the
  // last third of its lifetime), retries failures with backoff, publishes each new
  // certificate and notifies subscribers. It sleeps until the next due time, at most
  // check_interval. Errc::InvalidArgument when already started.
  Result<void> start();
  // Stops the renewal thread and waits for it; an order in progress stops polling at once and
  // is resumed by the next start() or manage(). Safe to call when not started, and twice.
  void stop() noexcept;

  // Bring your own: checks and stores a certificate made elsewhere (the PEM files of
  // `certkeep import`: the certificate, optionally followed by its chain; its unencrypted key;
  // an optional chain file), deploys it to live/<lineage>/ and serves it from now on; it is never
  // renewed (import it again to replace it). Errc::InvalidArgument naming the file and what is
  // wrong: unreadable, not PEM, an encrypted key or another certificate's, a chain out of order,
  // an expired certificate, a lineage of another issuer.
  Result<void> import(const std::string& lineage, const std::filesystem::path& cert_file,
                      const std::filesystem::path& key_file, const std::filesystem::path& chain_file = {});

  // Renews `lineage` now, due or not (tests, demos, an operator's "renew" button), on the
  // calling thread, and publishes the new certificate before returning. Errc::NotFound when
  // the lineage is not managed by this Manager; the renewal's error otherwise.
  Result<void> renew_now(const std::string& lineage);

  // In-process HTTP-01 (RFC 8555 §8.3): the body to answer for a GET of `raw_path` (the
  // request target exactly as received, "/.well-known/acme-challenge/<token>") on `host`
  // (the Host header; a ":port" suffix is ignored), or nullopt when no issuance of this
  // Manager is waiting for that token on that host — with a PostgreSQL store, of any node or
  // renewer of the fleet (answers saved in the store, kept here by the change feed; a token
  // not known yet is read from the store, one such read at a time). Serve it as 200,
  // Content-Type text/plain; answer 404 for nullopt. Never blocks on a renewal.
  std::optional<std::string> http01_response(std::string_view host, std::string_view raw_path) const;

  // The hot path (see CertificateSource): a managed lineage's certificate for the name (exact,
  // then wildcard), else with serve_all_lineages the store's, else nullptr; an empty name gets
  // the default certificate (the first lineage passed to manage()). A managed name costs a
  // shared lock held for one or two hash look-ups (writers hold it only to insert one
  // lineage's names, never during I/O). With serve_all_lineages a name no managed lineage has
  // costs an index look-up and a cache look-up under one of 16 shard locks; on a miss the
  // calling thread reads that lineage from the store (no lock of the Manager held: handshakes
  // for other names go on; concurrent ones for the same lineage wait for that one read). A
  // store error on that read returns nullptr — the TLS callback then keeps the SSL_CTX's own
  // certificate — and is logged once until a read succeeds again.
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override;

  // TLS-ALPN-01 (ManagerOptions::challenge == TlsAlpn01): use_managed_certificates() serves the
  // validation certificates of this Manager's pending challenges to "acme-tls/1" handshakes.
  bool answers_acme_tls_alpn() const noexcept override;
  std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view server_name) const override;

  // The store changed `lineage` — renewed, imported or re-issued by another process or node,
  // given new names, created, or removed: reads it once (one indexed read, on the calling
  // thread, without waiting for a renewal in progress) and serves what the store now has. A
  // managed lineage's new certificate replaces the old one (a Renewed event); with
  // serve_all_lineages its names go into the index and a cached certificate is replaced. The
  // store's change feed calls this; the Manager calls it for its own changes. Errc::Store when
  // the store cannot be read (nothing changes; call again).
  Result<void> lineage_changed(const std::string& lineage);
  // `lineage` was removed from the store: with serve_all_lineages it is served no more. A
  // managed lineage keeps serving its last certificate (as when `certkeep remove` ran).
  void lineage_removed(const std::string& lineage);
  // Counters of the managed table, the index and the cache. Cheap; any thread.
  ServingStats serving_stats() const;

  // Registers `callback` for every Issued, Renewed and Failed event. It is called on the
  // thread that made the change (the renewal thread, or the caller of manage()/renew_now())
  // after the new snapshot is published, with no lock of the Manager held. It must return
  // quickly (the renewal thread waits for it) and must not call stop(). Exceptions it throws
  // are logged and dropped. Keep the Subscription alive as long as the callback is wanted.
  Subscription subscribe(std::function<void(const Event&)> callback);

  // The names of the managed lineages, in the order manage() first saw them.
  std::vector<std::string> lineages() const;

  // A certificate source for use_certificate_source(): this Manager's certificates, and for a
  // name it has none for, one made on the spot by the private CA (ManagerOptions::private_ca,
  // else certkeep-ca, created when missing) when `options` admit the name. The Manager must
  // outlive it. Errc::InvalidArgument for a bad pattern or bound.
  Result<std::unique_ptr<OnDemandCertificates>> on_demand(OnDemandOptions options) const;

  // Library internals (tests reach the renewal pass through it).
  Impl& impl() noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace certkeep
