// SPDX-License-Identifier: Apache-2.0
// Shared challenge answers: in a fleet (one PostgreSQL store, several nodes behind one name)
// the CA's HTTP-01 request (or TLS-ALPN-01 handshake) reaches whichever node the balancer picks,
// not necessarily the one that ordered. So the renewal that presents a challenge also saves its
// answer in the store (share_challenges), and every node answers from what the store holds
// (SharedAnswers): loaded through the change feed, HTTP-01 also read from the store directly on
// a miss.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"
#include "certkeep/solver.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

// A renewal's solver of `type` (HTTP-01 or TLS-ALPN-01) that also saves the key authorization
// of each challenge it presents in `store` (until `expires_at` at the latest: the renewal's
// deadline) and removes it at cleanup. `inner` presents it locally too (a node's own
// responder) and does its check() and wait_until_ready(); nullptr when only the store answers
// (a renewer whose fleet's nodes serve the challenges). Used on the renewal's own thread, as
// its store connection is. A store error fails present() (the order is not validated then).
// DNS-01 needs no such sharing: its records are in the DNS, and those left to remove are noted
// in the (shared) store's dns_records already.
std::shared_ptr<Solver> share_challenges(std::shared_ptr<Solver> inner, ChallengeType type, store::Store& store,
                                         std::string lineage, std::string owner, core::SystemTime expires_at);

// A node's view of the pending answers of the whole fleet. Thread-safe.
class SharedAnswers {
 public:
  using StoreOpener = std::function<Result<std::unique_ptr<store::Store>>()>;

  // `open` makes the connection for reads on a miss (when first needed).
  SharedAnswers(StoreOpener open, core::Clock& clock);

  // The pending HTTP-01 and TLS-ALPN-01 answers as the store has them now (after a Challenge
  // change); other kinds are ignored.
  void replace(std::vector<store::ChallengeRecord> pending);
  // Reads them from the store (the change follower's start and resynchronisation).
  Result<void> reload(store::Store& store);

  // The key authorization for GET `raw_path` on `host` (Http01Responder's rules), or nullopt.
  // A well-formed token not known here is read from the store, one such read at a time: a
  // request arriving meanwhile waits for it (at most kMissWait, then "not found") and finds
  // its answer when that read brought it (a CA's validators ask the same URL at once), so a
  // flood of unknown tokens costs the store one read at a time.
  std::optional<std::string> answer(std::string_view host, std::string_view raw_path) const;

  // The TLS-ALPN-01 validation certificate (RFC 8737) for a pending challenge on
  // `server_name` (lowercase) that any node saved, made here from its key authorization on
  // first use; nullptr when none is pending or it cannot be made. A name not known here is read
  // from the store like an unknown HTTP-01 token (one read at a time, at most kMissWait): the
  // CA validates as soon as the renewal answers its challenge, often before the change feed
  // has brought the answer. Only a validation handshake (ALPN exactly "acme-tls/1") gets here,
  // so an ordinary handshake never waits for the store.
  std::shared_ptr<const CertifiedKey> tls_alpn_certificate(std::string_view server_name) const;

  std::size_t size() const;  // pending answers known here, both kinds

 private:
  StoreOpener open_;
  core::Clock& clock_;
  std::optional<std::string> known(const std::string& host, const std::string& token) const;
  bool knows_tls_alpn(std::string_view server_name) const;
  // On a miss: reads the pending TLS-ALPN-01 answers the store has and adds those not known
  // here; true when `server_name` is among them (or a read waited for brought it).
  bool read_tls_alpn_on_miss(std::string_view server_name) const;
  // The miss connection, opened on first use (nullptr, logged, when it cannot be); called with
  // miss_mutex_ held.
  store::Store* miss_store() const;

  struct TlsAlpnAnswer {
    std::string token;
    std::string key_authorization;
    std::shared_ptr<const CertifiedKey> certificate;  // made on first use
  };

  mutable std::mutex mutex_;  // answers_ (a miss read adds to it), tls_alpn_
  mutable std::map<std::pair<std::string, std::string>, std::string> answers_;  // (host, token) → key authorization
  mutable std::map<std::string, TlsAlpnAnswer, std::less<>> tls_alpn_;        // identifier → its validation
  static constexpr std::chrono::milliseconds kMissWait{2000};
  mutable std::timed_mutex miss_mutex_;  // miss_store_, one read at a time
  mutable std::unique_ptr<store::Store> miss_store_;
};

}  // namespace certkeep::lifecycle
