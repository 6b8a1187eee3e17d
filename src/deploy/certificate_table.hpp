// SPDX-License-Identifier: Apache-2.0
// CertificateTable: the server-name → snapshot map a TLS handshake reads, updated one lineage at
// a time. Snapshots are immutable (a renewal puts a new one, handshakes holding the old one
// keep it); the table is a hash map under a reader-writer lock. A look-up holds the shared lock
// for one or two hash look-ups; put() and remove() hold it exclusively for one lineage's names,
// never while parsing, reading the store or renewing. So publishing a lineage costs O(its
// names), not O(table): a terminator that manages N lineages starts in O(N), not O(N²).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "certkeep/certified_key.hpp"

namespace certkeep::deploy {

// SNI names compare case-insensitively (RFC 6066 §3 defers to DNS) and a client may send the
// absolute form with a trailing dot: the lowercase name without it.
std::string normalize_server_name(std::string_view name);
// RFC 6125 §6.4.3: a wildcard stands for exactly one, whole, leftmost label. The wildcard
// name that covers the normalized `name` ("*.example.com" for "a.example.com"), or nullopt
// when it has fewer than two labels.
std::optional<std::string> covering_wildcard(std::string_view name);

// Thread-safe; see the file comment for what each call locks.
class CertificateTable final : public CertificateSource {
 public:
  // Makes `snapshot` its lineage's current certificate, replacing that lineage's previous
  // snapshot and names. When two lineages claim a name, the snapshot expiring later wins. The
  // first lineage put is the default (for handshakes without SNI) for as long as it stays.
  // A null snapshot is ignored.
  void put(std::shared_ptr<const CertifiedKey> snapshot);
  // Forgets `lineage` and its names; false when the table did not have it.
  bool remove(std::string_view lineage);

  // Exact name, then "*.<parent>" for a name with at least two labels, else nullptr. The name
  // is compared case-insensitively, a trailing dot ignored. "" → the default snapshot.
  std::shared_ptr<const CertifiedKey> find(std::string_view server_name) const;
  // The current snapshot of `lineage`, or nullptr.
  std::shared_ptr<const CertifiedKey> of_lineage(std::string_view lineage) const;
  std::size_t lineage_count() const;
  std::size_t name_count() const;

  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override {
    return find(server_name);
  }

 private:
  using Claims = std::vector<std::shared_ptr<const CertifiedKey>>;
  std::shared_ptr<const CertifiedKey> best_locked(const std::string& name) const;
  void drop_names_locked(const CertifiedKey& snapshot);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Claims> by_name_;  // normalized name → every lineage claiming it
  std::unordered_map<std::string, std::shared_ptr<const CertifiedKey>> by_lineage_;
  std::string default_lineage_;
};

}  // namespace certkeep::deploy
