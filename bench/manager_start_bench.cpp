// SPDX-License-Identifier: Apache-2.0
// manager_start_bench [--lineages N,N,...] [--pass]
//
// Issue 15's measurement of a terminator's start: one store with N lineages that already have
// certificates, then Manager::open and manage({name}) for each, as a terminator author writes
// it. For each N (default 250, 500, 1000, 2000) the store is built in a forked child (real
// certificates from a throwaway CA: bench_lineages.hpp), then this program runs itself as a
// fresh process (`--run DIR N`) that opens the Manager, manages every lineage and runs one
// renewal pass with nothing due; the parent reads its wall times and peak RSS (wait4).
// Prints a table, then one JSON line. Exits 1 when a managed lineage is not served.
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_lineages.hpp"
#include "bench_support.hpp"
#include "certkeep/manager.hpp"
#include "lifecycle/manager_impl.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using certkeep::bench::BenchStoreShape;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (every thread), in seconds: on a shared machine the honest
// cost of the work, whose wall time includes waiting for a CPU and for the disk.
double process_cpu_s() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// This process's resident set now (VmRSS), in KiB; 0 when unknown.
long current_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:" && status >> value) return value;
    status.ignore(4096, '\n');
  }
  return 0;
}

// The measured process: prints "open_s manage_s pass_s served rss_after_open_kib manage_cpu_s" on one line.
int run(const fs::path& state, long count) {
  const auto opening = Clock::now();
  certkeep::ManagerOptions options;
  options.state_dir = state;
  options.directory_url = certkeep::bench::kBenchDirectoryUrl;
  options.email = certkeep::bench::kBenchEmail;
  auto manager = certkeep::Manager::open(options);
  if (!manager) {
    std::fprintf(stderr, "open: %s\n", manager.error().to_string().c_str());
    return 1;
  }
  const double open_s = seconds_since(opening);
  const long opened_rss_kib = current_rss_kib();
  const BenchStoreShape shape{.lineages = count};
  const auto managing = Clock::now();
  const double cpu_managing = process_cpu_s();
  for (long i = 0; i < count; ++i) {
    if (auto managed = (*manager)->manage({certkeep::bench::bench_lineage_name(i, shape)}); !managed) {
      std::fprintf(stderr, "manage %ld: %s\n", i, managed.error().to_string().c_str());
      return 1;
    }
  }
  const double manage_s = seconds_since(managing);
  const double manage_cpu_s = process_cpu_s() - cpu_managing;
  const auto passing = Clock::now();
  (*manager)->impl().run_pass();  // what the renewal thread does on each wake-up, nothing due
  const double pass_s = seconds_since(passing);
  long served = 0;
  for (long i = 0; i < count; ++i)
    if ((*manager)->certificate(certkeep::bench::bench_lineage_name(i, shape))) ++served;
  std::printf("%.6f %.6f %.6f %ld %ld %.6f\n", open_s, manage_s, pass_s, served, opened_rss_kib, manage_cpu_s);
  return served == count ? 0 : 1;
}

std::vector<long> parse_counts(const std::string& text) {
  std::vector<long> counts;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) counts.push_back(std::strtol(item.c_str(), nullptr, 10));
  return counts;
}

struct Row {
  long lineages = 0;
  double open_s = 0, manage_s = 0, pass_s = 0, build_s = 0;
  double manage_cpu_s = 0;  // the manage() calls' CPU time, every thread of the process
  long rss_kib = 0;
  long opened_rss_kib = 0;  // after Manager::open, before any manage()
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--run") return run(argv[2], std::strtol(argv[3], nullptr, 10));
  std::vector<long> counts = {250, 500, 1000, 2000};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--lineages" && i + 1 < argc) {
      counts = parse_counts(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--lineages N,N,...]\n", argv[0]);
      return 2;
    }
  }
  for (long count : counts)
    if (count < 1) return std::fprintf(stderr, "manager_start_bench: bad --lineages\n"), 2;

  std::string work_template =
      std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/certkeep-manager-start.XXXXXX";
  if (::mkdtemp(work_template.data()) == nullptr) return std::perror("mkdtemp"), 1;
  const fs::path work = work_template;
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  std::vector<Row> rows;
  int status = 0;
  for (long count : counts) {
    const fs::path state = work / ("state-" + std::to_string(count));
    fs::create_directories(state);
    fs::permissions(state, fs::perms::owner_all);
    Row row{.lineages = count};
    const auto building = Clock::now();
    if (!certkeep::bench::build_bench_store_in_child((state / "certkeep.db").string(),
                                                   BenchStoreShape{.lineages = count, .distinct_certificates = count})) {
      std::fprintf(stderr, "manager_start_bench: building the store of %ld lineages failed\n", count);
      status = 1;
      break;
    }
    row.build_s = seconds_since(building);
    const fs::path out = work / "run.out";
    const certkeep::bench::ChildRun child =
        certkeep::bench::run_child({self, "--run", state.string(), std::to_string(count)}, out.string());
    std::ifstream result(out);
    long served = 0;
    if (!child.error.empty() || child.exit_code != 0 ||
        !(result >> row.open_s >> row.manage_s >> row.pass_s >> served >> row.opened_rss_kib >> row.manage_cpu_s)) {
      std::fprintf(stderr, "manager_start_bench: the run over %ld lineages failed (exit %d) %s\n", count,
                   child.exit_code, child.error.c_str());
      status = 1;
      break;
    }
    row.rss_kib = child.max_rss_kib;
    rows.push_back(row);
    fs::remove_all(state);
  }
  fs::remove_all(work);

  std::printf("manager_start_bench: Manager::open, then manage({name}) for each of N stored lineages, then one "
              "renewal pass with nothing due\n");
  std::printf("%9s %8s %10s %12s %12s %9s %9s %12s\n", "lineages", "open_s", "manage_s", "us/lineage",
              "cpu_us/lin.", "pass_s", "rss_MiB", "KiB/lineage");
  // KiB/lineage: peak RSS minus the RSS right after Manager::open, per lineage.
  for (const Row& row : rows) {
    std::printf("%9ld %8.3f %10.3f %12.1f %12.1f %9.4f %9.1f %12.1f\n", row.lineages, row.open_s, row.manage_s,
                row.manage_s * 1e6 / static_cast<double>(row.lineages),
                row.manage_cpu_s * 1e6 / static_cast<double>(row.lineages), row.pass_s,
                certkeep::bench::mib(row.rss_kib),
                static_cast<double>(row.rss_kib - row.opened_rss_kib) / static_cast<double>(row.lineages));
  }
  if (rows.size() >= 2) {
    const Row& first = rows.front();
    const Row& last = rows.back();
    const double growth = (last.manage_s / first.manage_s) / (static_cast<double>(last.lineages) /
                                                                static_cast<double>(first.lineages));
    const double cpu_growth = (last.manage_cpu_s / first.manage_cpu_s) /
                              (static_cast<double>(last.lineages) / static_cast<double>(first.lineages));
    std::printf("manage time per lineage grew %.2fx (wall), %.2fx (CPU) from %ld to %ld lineages (1.0: linear)\n",
                growth, cpu_growth, first.lineages, last.lineages);
  }

  certkeep::bench::JsonLine json;
  json.begin().text("bench", "manager_start").begin_array("runs");
  for (const Row& row : rows) {
    json.begin()
        .integer("lineages", row.lineages)
        .number("open_s", row.open_s)
        .number("manage_s", row.manage_s)
        .number("manage_cpu_s", row.manage_cpu_s)
        .number("pass_s", row.pass_s)
        .integer("max_rss_kib", row.rss_kib)
        .integer("opened_rss_kib", row.opened_rss_kib)
        .end();
  }
  json.end_array().end();
  std::printf("%s\n", json.str().c_str());
  return status;
}
