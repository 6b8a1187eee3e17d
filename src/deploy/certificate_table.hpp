// SPDX-License-Identifier: Apache-2.0
// CertificateTable: an immutable server-name → snapshot map, and PublishedCertificates, the
// one atomic slot through which a new table replaces the old (copy-on-write, so a handshake
// reading the table never waits for a writer).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"

namespace certkeep::deploy {

// Immutable once built; safe to read from any number of threads.
class CertificateTable {
 public:
  // Indexes every name of every snapshot (lowercased). When two snapshots claim a name, the
  // one expiring later wins. The default (for handshakes without SNI) is the first snapshot.
  // Null entries are skipped.
  static std::shared_ptr<const CertificateTable> build(
      std::vector<std::shared_ptr<const CertifiedKey>> snapshots);

  // Exact name, then "*.<parent>" for a name with at least two labels, else nullptr. The name
  // is compared case-insensitively, a trailing dot ignored. "" → the default snapshot.
  std::shared_ptr<const CertifiedKey> find(std::string_view server_name) const;

  const std::vector<std::shared_ptr<const CertifiedKey>>& snapshots() const noexcept { return snapshots_; }
  std::size_t name_count() const noexcept { return by_name_.size(); }

 private:
  std::vector<std::shared_ptr<const CertifiedKey>> snapshots_;
  std::map<std::string, std::shared_ptr<const CertifiedKey>, std::less<>> by_name_;
};

// The current table. publish() swaps in a new one with one atomic store; certificate() reads
// with one atomic load (libstdc++'s atomic<shared_ptr> guards the reference count with a
// short internal spin, never a lock a writer holds while working). Starts empty.
class PublishedCertificates final : public CertificateSource {
 public:
  PublishedCertificates();
  void publish(std::shared_ptr<const CertificateTable> table) noexcept;
  std::shared_ptr<const CertificateTable> current() const noexcept;
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override;

 private:
  std::atomic<std::shared_ptr<const CertificateTable>> table_;
};

}  // namespace certkeep::deploy
