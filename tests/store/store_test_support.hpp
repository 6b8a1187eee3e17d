// SPDX-License-Identifier: Apache-2.0
// Helpers for the store tests: a temporary directory per test, file modes, and records with
// plausible contents.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "store/store.hpp"

#include "support/temp_dir.hpp"

namespace certkeep::store::testing {

using namespace std::chrono_literals;

class TempDir : public certkeep::testing::TempDir {
 public:
  TempDir() : certkeep::testing::TempDir("store") {}
  std::filesystem::path db() const { return path() / "certkeep.db"; }
};

using certkeep::testing::mode_of;

// A fixed "now" so times compare exactly (the store keeps whole seconds).
inline core::SystemTime t0() { return core::from_unix(1'800'000'000); }

inline std::unique_ptr<Store> open_store(const std::filesystem::path& path, StoreOptions options = {}) {
  auto store = Store::open(path, options);
  INFO((store ? std::string() : store.error().to_string()));
  REQUIRE(store);
  return std::move(*store);
}

inline std::unique_ptr<Store> memory_store() {
  auto store = Store::open_in_memory();
  INFO((store ? std::string() : store.error().to_string()));
  REQUIRE(store);
  return std::move(*store);
}

inline LineageRecord pending_lineage(const std::string& name) {
  LineageRecord lineage;
  lineage.name = name;
  lineage.identifiers = {name, "www." + name};
  lineage.settings.directory_url = "https://127.0.0.1:14000/dir";
  lineage.settings.email = "ops@example.com";
  lineage.created_at = t0() - 48h;
  return lineage;
}

inline IssuedCertificate issued(const std::string& serial, core::SystemTime renew_at) {
  IssuedCertificate cert;
  cert.key_pem = core::Secret("-----BEGIN PRIVATE KEY-----\nkey-" + serial + "\n-----END PRIVATE KEY-----\n");
  cert.cert_pem = "-----BEGIN CERTIFICATE-----\nleaf-" + serial + "\n-----END CERTIFICATE-----\n";
  cert.chain_pem = "-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n";
  cert.serial = serial;
  cert.issuer = "Pebble Intermediate CA";
  cert.not_before = t0() - 1h;
  cert.not_after = t0() + 24h * 90;
  cert.ari_cert_id = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";
  cert.renew_at = renew_at;
  return cert;
}

// A lineage with a certificate, deployed, due at `renew_at`: what insert_lineages_bulk takes.
inline LineageRecord valid_lineage(const std::string& name, core::SystemTime renew_at) {
  LineageRecord lineage = pending_lineage(name);
  const IssuedCertificate cert = issued("0A" + std::to_string(name.size()) + "FF", renew_at);
  lineage.status = LineageStatus::Valid;
  lineage.key_pem = cert.key_pem;
  lineage.cert_pem = cert.cert_pem;
  lineage.chain_pem = cert.chain_pem;
  lineage.serial = cert.serial;
  lineage.issuer = cert.issuer;
  lineage.not_before = cert.not_before;
  lineage.not_after = cert.not_after;
  lineage.renew_at = renew_at;
  lineage.deployed_serial = cert.serial;
  lineage.updated_at = lineage.created_at;
  return lineage;
}

}  // namespace certkeep::store::testing
