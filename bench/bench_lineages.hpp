// SPDX-License-Identifier: Apache-2.0
// A store full of servable lineages for the Manager benchmarks (manager_start_bench,
// serve_all_bench), built without a CA server: a throwaway private CA made at run time signs
// real P-256 leaves. Signing a leaf per lineage costs ~60 µs, so up to `distinct` lineages
// get their own certificate for their own names and the rest reuse those certificates
// round-robin (their identifiers stay their own: the name index and the store are the
// realistic part; a served certificate's names then differ from the SNI name, which the
// benchmarks' clients do not check). One leaf key serves every lineage: each load parses
// its own copy anyway, so the memory per cached certificate is the real one.
//
// Header-only, like bench_support.hpp; it needs certkeep's store and crypto modules.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/private_ca.hpp"
#include "store/store.hpp"

namespace certkeep::bench {

// What the Manager writes for a lineage it manages (desired_settings in manager_impl.cpp), so
// manage() finds nothing to change and the benchmark measures reading, not writing.
inline constexpr const char* kBenchDirectoryUrl = "https://127.0.0.1:14000/dir";
inline constexpr const char* kBenchEmail = "ops@example.com";

struct BenchStoreShape {
  long lineages = 1000;
  long distinct_certificates = 4096;  // lineages with their own leaf; the rest reuse them
  // Every `wildcard_every`-th lineage is {"w<i>.<domain>", "*.w<i>.<domain>"}; 0: none.
  long wildcard_every = 0;
  bool www_names = false;  // {"<name>", "www.<name>"} for the other lineages
};

// Lineage i's names: "s<i>.bench.example" (and www., or a wildcard), lowercase.
inline std::vector<std::string> bench_names(long i, const BenchStoreShape& shape) {
  char name[64];
  if (shape.wildcard_every > 0 && i % shape.wildcard_every == shape.wildcard_every - 1) {
    std::snprintf(name, sizeof name, "w%07ld.bench.example", i);
    return {name, std::string("*.") + name};
  }
  std::snprintf(name, sizeof name, "s%07ld.bench.example", i);
  if (shape.www_names) return {name, std::string("www.") + name};
  return {name};
}

inline std::string bench_lineage_name(long i, const BenchStoreShape& shape) { return bench_names(i, shape)[0]; }

// Builds the store at `location` (an SQLite file's path, or a postgresql:// URL) in the calling
// process. Prints progress; false on error.
inline bool build_bench_store(const std::string& location, const BenchStoreShape& shape) {
  using namespace std::chrono_literals;
  auto store = store::Store::open(location);
  if (!store) {
    std::fprintf(stderr, "open store: %s\n", store.error().to_string().c_str());
    return false;
  }
  auto ca = crypto::create_private_ca("certkeep bench CA", 24h * 3650);
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256);
  auto key_pem = key ? key->to_pem() : Result<core::Secret>(fail(Errc::Crypto, "no key"));
  if (!ca || !key_pem) {
    std::fprintf(stderr, "bench CA: %s\n", (ca ? key_pem.error() : ca.error()).to_string().c_str());
    return false;
  }
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto not_before = now - 1h;
  const auto not_after = now + 24h * 90;
  struct Leaf {
    std::string pem;
    std::string serial;
  };
  std::vector<Leaf> leaves;
  const long distinct = std::max(1L, std::min(shape.distinct_certificates, shape.lineages));
  leaves.reserve(static_cast<std::size_t>(distinct));
  for (long i = 0; i < distinct; ++i) {
    auto leaf = crypto::issue_leaf_certificate(*ca, *key, bench_names(i, shape), not_before, not_after);
    auto info = leaf ? crypto::inspect_certificate(*leaf) : Result<crypto::CertificateInfo>(fail(leaf.error()));
    if (!info) {
      std::fprintf(stderr, "bench leaf %ld: %s\n", i, info.error().to_string().c_str());
      return false;
    }
    leaves.push_back({std::move(*leaf), info->serial_hex});
  }
  constexpr long kBatch = 10000;  // one transaction per batch keeps memory bounded
  std::vector<store::LineageRecord> batch;
  for (long first = 0; first < shape.lineages; first += kBatch) {
    batch.clear();
    for (long i = first; i < std::min(shape.lineages, first + kBatch); ++i) {
      const Leaf& leaf = leaves[static_cast<std::size_t>(i % distinct)];
      store::LineageRecord lineage;
      lineage.identifiers = bench_names(i, shape);
      lineage.name = lineage.identifiers[0];
      lineage.status = store::LineageStatus::Valid;
      lineage.settings.directory_url = kBenchDirectoryUrl;
      lineage.settings.email = kBenchEmail;
      lineage.settings.challenge_method = store::ChallengeMethod::Memory;
      lineage.key_pem = core::Secret(std::string(key_pem->view()));
      lineage.cert_pem = leaf.pem;
      lineage.chain_pem = ca->cert_pem;
      // A reused leaf keeps the serial it has: serials are what the Manager compares.
      lineage.serial = leaf.serial;
      lineage.issuer = "certkeep bench CA";
      lineage.not_before = not_before;
      lineage.not_after = not_after;
      // Due in about two months, spread over a day, so nothing is due during the benchmark.
      lineage.renew_at = now + 24h * 59 + std::chrono::seconds(i % 86400);
      lineage.deployed_serial = lineage.serial;
      lineage.created_at = lineage.updated_at = now - 1h;
      batch.push_back(std::move(lineage));
    }
    if (auto inserted = (*store)->insert_lineages_bulk(batch); !inserted) {
      std::fprintf(stderr, "insert lineages: %s\n", inserted.error().to_string().c_str());
      return false;
    }
  }
  return true;
}

// The same in a forked child, so the benchmark process stays small (a child measured later
// would otherwise start from its peak RSS: see run_child).
inline bool build_bench_store_in_child(const std::string& location, const BenchStoreShape& shape) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    return false;
  }
  if (pid == 0) {
    const bool built = build_bench_store(location, shape);
    std::fflush(nullptr);
    ::_exit(built ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return false;
    }
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace certkeep::bench
