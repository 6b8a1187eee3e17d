// SPDX-License-Identifier: Apache-2.0
// On-the-fly certificates: until a real certificate exists for a name, a handshake can be
// answered with a certificate made on the spot by certkeep's private CA — only for names an
// allow-list or a pattern admits (never for any name by default), and with the set of such
// certificates bounded in number and bytes (least recently used first out), so random SNI
// names cannot exhaust the process. Make one with Manager::on_demand().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/certified_key.hpp"

namespace certkeep {

struct OnDemandOptions {
  // Names answered exactly (any case, a trailing dot ignored).
  std::vector<std::string> allowed_names;
  // "*.example.com" admits every name one label under example.com (as a wildcard certificate
  // would); nothing else is a pattern.
  std::vector<std::string> allowed_patterns;
  // Bounds of the cache; the least recently used certificate goes first.
  std::size_t max_certificates = 1024;
  std::size_t max_bytes = 8 * 1024 * 1024;
  // Lifetime of a made certificate; one past half of it is made again. Default: one day.
  std::chrono::seconds lifetime = std::chrono::hours(24);
};

// A CertificateSource: the Manager's certificate for a name when it has one, else an
// on-the-fly certificate when the name is admitted, else nullptr. Thread-safe.
class OnDemandCertificates final : public CertificateSource {
 public:
  class Impl;  // src/lifecycle/on_demand.cpp
  explicit OnDemandCertificates(std::unique_ptr<Impl> impl);
  ~OnDemandCertificates() override;
  OnDemandCertificates(const OnDemandCertificates&) = delete;
  OnDemandCertificates& operator=(const OnDemandCertificates&) = delete;

  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const override;

  struct Stats {
    std::size_t cached = 0;   // certificates held now
    std::size_t bytes = 0;    // their estimated size
    std::size_t made = 0;     // certificates made so far
    std::size_t evicted = 0;  // dropped to stay within the bounds
    std::size_t refused = 0;  // names neither the source nor the allow-list had
  };
  Stats stats() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace certkeep
