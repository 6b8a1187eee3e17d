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
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"
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
};

// Thread-safety: every method may be called from any thread. certificate() and
// http01_response() never wait for a renewal; manage() and renew_now() wait for the renewal
// step in progress (they share one store connection). Destroying the Manager calls stop().
// The Manager must outlive every SSL_CTX it was installed into.
class Manager final : public CertificateSource {
 public:
  class Impl;  // defined in src/lifecycle/manager_impl.hpp

  // Opens (creating if missing) the store in options.state_dir. Does no network I/O.
  // Errc::InvalidArgument for a bad directory URL or a ca_bundle that is not a readable file;
  // Errc::Io / Errc::Store when the state directory or the store cannot be opened.
  static Result<std::unique_ptr<Manager>> open(ManagerOptions options);

  // Used by open(); an Impl can only be made inside the library.
  explicit Manager(std::unique_ptr<Impl> impl);
  ~Manager() override;
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Ensures `lineage` (default: names[0]) has a certificate for exactly `names` and keeps it
  // renewed from now on. Blocking: when the store already has a valid, unexpired
  // certificate for these names it is served at once; otherwise one is issued now, through
  // HTTP-01 answered by http01_response(), so the port-80 handler must already be running.
  // Publishes the snapshot and notifies subscribers (Issued) before returning.
  // Errc::InvalidArgument for an empty, invalid or wildcard name (HTTP-01 cannot validate
  // wildcards) or an invalid lineage name; the issuance's error otherwise (Errc::CaProblem
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
  // Manager is waiting for that token on that host. Serve it as 200, Content-Type
  // text/plain; answer 404 for nullopt. Cheap, never blocks on a renewal.
  std::optional<std::string> http01_response(std::string_view host, std::string_view raw_path) const;

  // The hot path (see CertificateSource): exact name, then wildcard, else nullptr; an empty
  // name gets the default certificate (the first lineage passed to manage()). Lock-free for
  // callers apart from the atomic load of one shared_ptr.
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override;

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
