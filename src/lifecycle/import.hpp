// SPDX-License-Identifier: Apache-2.0
// Bring your own certificate (`certkeep import`): a certificate, key and chain made elsewhere
// become an imported lineage, deployed and hooked like any other and never renewed; certkeep
// warns (list, log, an event, renew's exit code) as its end approaches.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

inline constexpr std::chrono::days kDefaultExpiryWarning{14};

struct ImportRequest {
  std::string lineage;
  std::filesystem::path cert_file;   // the leaf, optionally followed by its chain
  std::filesystem::path key_file;    // unencrypted PEM
  std::filesystem::path chain_file;  // optional: the intermediates, leaf's issuer first
  // Unset: a new lineage has none / the default; a replaced one keeps what it had.
  std::optional<std::string> deploy_hook;
  std::optional<std::chrono::seconds> expiry_warning;
};

// Checks every input before anything changes, each failure an Errc::InvalidArgument naming the
// file and what is wrong: unreadable, not a PEM certificate, an encrypted or unparseable key, a
// key of another certificate, a chain out of order or not linking up, an expired certificate.
// Then stores (or replaces: a new version under archive/, live/ switched atomically) the
// imported lineage and deploys it. An existing lineage of another issuer is refused.
Result<store::LineageRecord> import_certificate(Services& services, const ImportRequest& request);

// The warning period of an imported lineage (its setting, or the default).
std::chrono::seconds expiry_warning_of(const store::LineageSettings& settings) noexcept;

struct ExpiringCertificate {
  std::string lineage;
  std::string serial;
  core::SystemTime not_after{};
};
// True when `lineage` is imported and less than its warning period is left at `now`.
bool imported_expiring(const store::LineageRecord& lineage, core::SystemTime now) noexcept;
// Every imported lineage (or only `name`, or only those `include` admits) that is expiring at
// `now`; logs a warning for each and, when `record`, appends an ExpiryWarning event once per serial.
Result<std::vector<ExpiringCertificate>> check_imported_expiry(Services& services, core::SystemTime now,
                                                               const std::optional<std::string>& name,
                                                               bool record,
                                                               const std::function<bool(const std::string&)>& include = {});

}  // namespace certkeep::lifecycle
