// SPDX-License-Identifier: Apache-2.0
// ServedLineages: the serve-all CertificateSource (ManagerOptions::serve_all_lineages). Every
// servable lineage of the store (a certificate, not revoked) is found by name in a compact
// deploy::NameIndex built at start from one pass over the store; its certificate is read and
// parsed on the first handshake that needs it (one indexed read of that lineage through the
// LineageReader) into a bounded deploy::CertificateCache.
//
// A handshake for a cold name holds no lock of this class while it loads: concurrent
// handshakes for the same lineage share the one load, others go on. A store error fails that
// handshake (nullptr: the TLS callback keeps the SSL_CTX's own certificate) and is logged once
// until a load succeeds again; a lineage the store no longer has, or that no longer claims the
// name, leaves the index on the spot.
//
// Changes arrive through lineage_changed()/lineage_removed() (the Manager's own renewals, and
// the store's change feed), and resynchronize() rebuilds the index from one pass.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "certkeep/certified_key.hpp"
#include "certkeep/result.hpp"
#include "deploy/certificate_cache.hpp"
#include "deploy/name_index.hpp"
#include "lifecycle/lineage_reader.hpp"

namespace certkeep::lifecycle {

class ServedLineages final : public CertificateSource {
 public:
  // Builds the index from one pass over the store. `reader` must outlive the result.
  // The pass's error (Errc::Store) when the store cannot be read.
  static Result<std::unique_ptr<ServedLineages>> open(LineageReader& reader, deploy::CacheLimits limits);

  // See the file comment. "" (no SNI) → nullptr: serve-all has no default certificate.
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override;

  // The store changed `lineage` (renewed, imported, new names, new, or gone): reads it once,
  // puts its names in the index and replaces its cached certificate when it is cached. The
  // store's error when it cannot be read (index and cache are left as they were).
  Result<void> lineage_changed(const std::string& lineage);
  // The same for a record the caller has read already, with its parsed snapshot when it has one
  // (else it is parsed here if the lineage is cached).
  void apply(const store::LineageRecord& record, std::shared_ptr<const CertifiedKey> snapshot);
  // `lineage` is gone from the store: out of the index and the cache.
  void lineage_removed(const std::string& lineage);
  // One pass over the store: the index is corrected where it differs (NameIndex::Resync:
  // changes recorded meanwhile stay), and cached certificates whose serial changed or whose
  // lineage is gone are re-read or dropped.
  // `also` sees every row of the pass too (the Manager checks its managed lineages with it).
  Result<void> resynchronize(const std::function<void(const ServableLineage&)>& also = {});

  struct Stats {
    deploy::NameIndex::Stats index;
    deploy::CertificateCache::Stats cache;
    std::uint64_t failed_reads = 0;  // cold loads the store could not answer
  };
  Stats stats() const;

 private:
  ServedLineages(LineageReader& reader, std::shared_ptr<const deploy::NameIndex::Base> base,
                 deploy::CacheLimits limits);
  Result<std::shared_ptr<const CertifiedKey>> load(const std::string& lineage, std::string_view server_name,
                                                   bool& moved) const;
  void note_read_failure(const std::string& lineage, const Error& error) const;
  void note_read_success() const;
  void note_bad_row(const std::string& lineage, const Error& error) const;

  LineageReader& reader_;
  // certificate() is const for the TLS callback, yet a cold load fills the cache and may
  // correct the index.
  mutable deploy::NameIndex index_;
  mutable deploy::CertificateCache cache_;
  mutable std::atomic<bool> failing_{false};
  mutable std::atomic<std::uint64_t> failed_reads_{0};
  mutable std::atomic<std::uint64_t> failures_unlogged_{0};
  mutable std::mutex bad_rows_mutex_;
  mutable std::unordered_set<std::string> bad_rows_logged_;  // at most kMaxBadRowsLogged
};

}  // namespace certkeep::lifecycle
