// SPDX-License-Identifier: Apache-2.0
// OnDemandCertificates::Impl (include/certkeep/on_demand.hpp): an LRU of certificates made by
// a private CA for admitted names, behind a primary CertificateSource.
#pragma once

#include <list>
#include <mutex>
#include <unordered_map>

#include "certkeep/on_demand.hpp"
#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "crypto/private_ca.hpp"

namespace certkeep {

class OnDemandCertificates::Impl {
 public:
  // `primary` must outlive this. Errc::InvalidArgument for a pattern that is not "*.<name>",
  // an invalid name, or zero bounds.
  static Result<std::unique_ptr<Impl>> create(const CertificateSource& primary, crypto::CaMaterial ca,
                                              OnDemandOptions options, core::Clock& clock);

  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name);
  Stats stats() const;

 private:
  Impl(const CertificateSource& primary, crypto::CaMaterial ca, OnDemandOptions options, core::Clock& clock);
  bool admitted(const std::string& name) const;
  std::shared_ptr<const CertifiedKey> make(const std::string& name);
  void insert(const std::string& name, std::shared_ptr<const CertifiedKey> key, std::size_t bytes);

  struct Entry {
    std::string name;
    std::shared_ptr<const CertifiedKey> key;
    std::size_t bytes = 0;
  };

  const CertificateSource& primary_;
  const crypto::CaMaterial ca_;
  const OnDemandOptions options_;
  core::Clock& clock_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  Stats stats_;
};

}  // namespace certkeep
