// SPDX-License-Identifier: Apache-2.0
// CertificateCache: the certificates of a serve-all Manager that handshakes asked for lately,
// bounded in number and in bytes, loaded on a miss by a caller-given loader.
//
// Policy: least recently used out, per shard. The cache is cut into up to 16 shards by a hash
// of the lineage name, each with its own mutex, LRU list and an equal share of both bounds, so
// handshakes on different cores rarely meet on a lock and the bounds hold exactly (the sum of
// the shares never exceeds them). A snapshot larger than its shard's byte share is served but
// not cached.
//
// Loads: a miss runs the loader on the calling thread with no lock held. A second caller for
// the same lineage while it loads waits for that one load and shares its result (an error
// too); callers for other lineages are not held up. A load whose lineage is refreshed or
// erased meanwhile (a renewal landed while it read the store) answers its callers but is not
// cached, so the cache never keeps a certificate older than the last refresh.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"
#include "certkeep/result.hpp"

namespace certkeep::deploy {

struct CacheLimits {
  std::size_t max_certificates = 10000;
  std::size_t max_bytes = 256u * 1024 * 1024;
};

class CertificateCache {
 public:
  // The lineage's snapshot; nullptr when it has none to serve (nothing is cached); an error
  // when it could not be read (nothing is cached either, so the next call tries again).
  using Loader = std::function<Result<std::shared_ptr<const CertifiedKey>>(const std::string& lineage)>;

  // Zero bounds are raised to one certificate and one byte share: a cache that holds nothing
  // would turn every handshake into a load.
  explicit CertificateCache(CacheLimits limits);
  ~CertificateCache();
  CertificateCache(const CertificateCache&) = delete;
  CertificateCache& operator=(const CertificateCache&) = delete;

  // The cached snapshot of `lineage` (now the most recently used), else load(lineage)'s
  // result, cached when it is a snapshot (see the file comment for concurrent callers).
  Result<std::shared_ptr<const CertifiedKey>> get(const std::string& lineage, const Loader& load);
  // The cached snapshot or nullptr, without loading and without counting as a use.
  std::shared_ptr<const CertifiedKey> peek(std::string_view lineage) const;
  // A new snapshot of a lineage (a renewal): replaces the cached one when the lineage is cached
  // (true), else changes nothing. Either way a load of that lineage in flight is not cached.
  bool refresh(std::shared_ptr<const CertifiedKey> snapshot);
  // Forgets the lineage; a load of it in flight is not cached.
  void erase(std::string_view lineage);
  // The lineages cached now.
  std::vector<std::string> lineages() const;

  // Roughly what a snapshot costs in memory: its PEM text and names, plus the parsed OpenSSL
  // objects (measured: bench/serve_all_bench prints the real figure).
  static std::size_t estimated_bytes(const CertifiedKey& snapshot);

  struct Stats {
    std::size_t cached = 0;         // snapshots held now
    std::size_t bytes = 0;          // their estimated size
    std::uint64_t hits = 0;         // answered from the cache
    std::uint64_t loads = 0;        // loader calls
    std::uint64_t shared_loads = 0; // callers that waited for another caller's load
    std::uint64_t failed_loads = 0; // loader errors
    std::uint64_t evictions = 0;    // dropped to stay within the bounds
  };
  Stats stats() const;
  const CacheLimits& limits() const noexcept { return limits_; }

 private:
  struct Shard;
  Shard& shard_of(std::string_view lineage) const;

  const CacheLimits limits_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace certkeep::deploy
