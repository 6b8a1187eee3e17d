// SPDX-License-Identifier: Apache-2.0
// store_bulk_bench [--lineages N]
//
// The store on its own at fleet size: N lineages (default 100,000) written by one
// insert_lineages_bulk, the store reopened as the daemon opens it (PRAGMA quick_check over the
// whole file), then the daemon's everyday questions with nothing due: due_lineages,
// deploy_pending_lineages, next_due_time. Prints each time and the file size, then one JSON line. Exits 1 if the store
// answers wrongly (something due, a row missing), so a fast wrong answer cannot pass.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "store/store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using certkeep::core::SystemTime;
using certkeep::store::LineageRecord;
using certkeep::store::Store;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int fail(const std::string& what) {
  std::fprintf(stderr, "store_bulk_bench: %s\n", what.c_str());
  return 1;
}

LineageRecord lineage_due_at(long i, SystemTime now, SystemTime renew_at) {
  LineageRecord lineage;
  lineage.name = "host" + std::to_string(i) + ".example.com";
  lineage.identifiers = {lineage.name};
  lineage.status = certkeep::store::LineageStatus::Valid;
  lineage.settings.directory_url = "https://127.0.0.1:14000/dir";
  lineage.serial = "0A" + std::to_string(i);
  lineage.key_pem = certkeep::core::Secret("-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n");
  lineage.cert_pem = "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n";
  lineage.chain_pem = "-----BEGIN CERTIFICATE-----\nintermediate\n-----END CERTIFICATE-----\n";
  lineage.issuer = "Pebble Intermediate CA";
  lineage.not_before = now - 1h;
  lineage.not_after = now + 24h * 90;
  lineage.renew_at = renew_at;
  lineage.deployed_serial = lineage.serial;
  lineage.created_at = lineage.updated_at = now - 48h;
  return lineage;
}

}  // namespace

int main(int argc, char** argv) {
  long count = 100'000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--lineages" && i + 1 < argc) {
      count = std::strtol(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--lineages N]\n", argv[0]);
      return 2;
    }
  }
  if (count < 10) return fail("--lineages must be at least 10");

  const SystemTime now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const SystemTime first_due = now + 24h * 30;
  std::vector<LineageRecord> lineages;
  lineages.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i)
    lineages.push_back(lineage_due_at(i, now, first_due + std::chrono::seconds(i)));

  const fs::path dir = fs::temp_directory_path() / ("certkeep-store-bulk-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path db = dir / "certkeep.db";
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{dir};

  auto started = Clock::now();
  {
    auto store = Store::open(db);
    if (!store) return fail(store.error().to_string());
    if (auto inserted = (*store)->insert_lineages_bulk(lineages); !inserted)
      return fail(inserted.error().to_string());
  }
  const double insert_s = seconds_since(started);

  started = Clock::now();
  // As the daemon and the library open it: with PRAGMA quick_check over the whole file.
  auto store = Store::open(db, certkeep::store::StoreOptions{.verify_integrity = true});
  if (!store) return fail(store.error().to_string());
  const double open_s = seconds_since(started);

  started = Clock::now();
  auto due = (*store)->due_lineages(now);
  auto owed = (*store)->deploy_pending_lineages();
  auto next = (*store)->next_due_time();
  const double check_s = seconds_since(started);

  if (!due || !due->empty()) return fail("due_lineages: expected none due");
  if (!owed || !owed->empty()) return fail("deploy_pending_lineages: expected none owed");
  if (!next || *next != first_due) return fail("next_due_time: expected the first renew_at");
  auto later = (*store)->due_lineages(first_due + 9s);
  if (!later || later->size() != 10) return fail("due_lineages 9 s after the first: expected 10");
  auto all = (*store)->list_lineages();
  if (!all || all->size() != static_cast<std::size_t>(count)) return fail("list_lineages: rows missing");

  const double file_mib = static_cast<double>(fs::file_size(db)) / (1024.0 * 1024.0);
  std::printf("store with %ld lineages\n%-48s %10s\n", count, "phase", "seconds");
  std::printf("%-48s %10.3f\n", "insert_lineages_bulk (one transaction)", insert_s);
  std::printf("%-48s %10.3f\n", "reopen (PRAGMA quick_check)", open_s);
  std::printf("%-48s %10.4f\n", "due + deploy-pending + next-due, none due", check_s);
  std::printf("%-48s %10.1f MiB\n", "database file", file_mib);

  certkeep::bench::JsonLine json;
  json.begin()
      .text("bench", "store_bulk")
      .integer("lineages", count)
      .number("insert_s", insert_s)
      .number("reopen_s", open_s)
      .number("checks_s", check_s)
      .number("file_mib", file_mib, 1)
      .end();
  std::printf("%s\n", json.str().c_str());
  return 0;
}
