// SPDX-License-Identifier: Apache-2.0
// certkeep's private CAs (`certkeep ca`): the "self-signed" way to terminate TLS. A CA's key and
// root live in the store, every generation of it, so a rotation can hand clients both roots
// before the new one signs anything.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "certkeep/key_type.hpp"
#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

inline constexpr std::string_view kDefaultCaName = "certkeep-ca";
inline constexpr std::chrono::days kDefaultCaValidity{3650};
inline constexpr std::chrono::days kDefaultLeafLifetime{90};
// Long enough to outlast a CA outage of a few days, short enough to be plainly temporary.
inline constexpr std::chrono::days kPlaceholderLifetime{7};

struct CaOptions {
  std::string name{kDefaultCaName};
  std::string common_name;  // empty: the name
  KeyType key_type = KeyType::EcdsaP256;
  std::chrono::seconds validity = kDefaultCaValidity;
};

// Errc::InvalidArgument for a CA name that is not a lineage-style name.
Result<void> check_ca_name(const std::string& name);
// Errc::NotFound naming `certkeep ca init` when there is no CA `name`.
Result<void> require_private_ca(store::Store& store, const std::string& name);

// What `ca list` shows of one generation (never the key).
struct CaGeneration {
  std::string name;
  int generation = 0;
  store::CaState state = store::CaState::Active;
  KeyType key_type = KeyType::EcdsaP256;
  std::string common_name;
  std::string serial;
  core::SystemTime not_after{};
};
// Every generation of every private CA, by name, newest generation first.
Result<std::vector<CaGeneration>> list_private_cas(store::Store& store);

// Creates CA `options.name` (generation 1). Errc::InvalidArgument when it exists, unless
// `replace`: then the new root signs from now on, the CA's lineages are due at `now`, and the
// old roots stay exported (for verification) while a lineage's certificate still chains to them.
Result<store::PrivateCaRecord> init_private_ca(store::Store& store, const CaOptions& options, bool replace,
                                               core::SystemTime now);

// Adds the next generation of CA `options.name`: exported beside the active one at once, signing
// only after activate_private_ca. Errc::NotFound when there is no such CA.
Result<store::PrivateCaRecord> rotate_private_ca(store::Store& store, const CaOptions& options);

// The next generation signs from now on; the lineages the old one signed are due at once, so the
// next `renew` (or daemon pass) moves them. Returns how many lineages were made due.
Result<std::size_t> activate_private_ca(store::Store& store, const std::string& name, core::SystemTime now);

// Every lineage of CA `name` that has a certificate is due at `now`; returns how many.
Result<std::size_t> make_leaves_due(store::Store& store, const std::string& name, core::SystemTime now);

// The roots a client of CA `name` must trust now, newest first: the next generation (after a
// rotation), the active one, and every retired one a lineage's certificate still chains to.
// Never a key. Errc::NotFound when there is no such CA.
Result<std::vector<std::string>> exported_roots(store::Store& store, const std::string& name);

// A leaf for `lineage` signed by its CA's active generation (serverAuth, digitalSignature,
// AKI/SKI, CA:FALSE, a random positive 128-bit serial, its leaf_lifetime or 90 days), with a
// new key unless the lineage reuses its own; renew_at by the 1/3 rule.
Result<store::IssuedCertificate> issue_from_private_ca(Services& services,
                                                       const store::LineageRecord& lineage);

// The same from CA `ca_name` with `lifetime`, whatever the lineage's issuer.
Result<store::IssuedCertificate> sign_for_lineage(Services& services, const std::string& ca_name,
                                                  const store::LineageRecord& lineage,
                                                  std::chrono::seconds lifetime);

// Commits and deploys (files, hook) a placeholder for `lineage`, which has no certificate yet: a
// kPlaceholderLifetime leaf from private CA certkeep-ca (created when missing), due at once so
// the real certificate replaces it as soon as its CA answers.
Result<store::LineageRecord> deploy_placeholder(Services& services, const store::LineageRecord& lineage);

}  // namespace certkeep::lifecycle
