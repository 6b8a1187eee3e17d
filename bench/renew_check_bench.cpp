// SPDX-License-Identifier: Apache-2.0
// renew_check_bench CERTKEEP_BIN [--lineages N] [--repeat R] [--state-dir DIR] [--store URL]
//
// The systemd timer's everyday case: `certkeep renew` over a large store where nothing is due.
// Builds a state directory with N lineages (default 100,000) whose renew_at is weeks away,
// then runs the real binary R times (default 5) and reports wall time, CPU and peak RSS of
// each run (wait4), the median, the target and the peers' figures.
//
// The rows carry PEM text of real sizes (an EC key, a leaf and an intermediate, ~3 KB per
// lineage) so the database has the size 100,000 real lineages would give it (~400 MB).
//
// With --state-dir DIR the store is built there only when DIR has none yet, and kept; else a
// temporary directory is used and removed. With --store URL (a postgresql:// database, e.g.
// pebble-test/with-postgres.sh's) the lineages go there instead, built when it has none, and
// `certkeep --store URL renew` is what runs.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "bench_support.hpp"
#include "store/store.hpp"

namespace {

namespace fs = std::filesystem;
using certkeep::bench::ChildRun;
using certkeep::bench::JsonLine;
using certkeep::bench::median;
using certkeep::bench::mib;
using certkeep::core::Secret;
using certkeep::store::AccountRecord;
using certkeep::store::LineageRecord;
using certkeep::store::LineageStatus;
using certkeep::store::Store;

// Same name lifecycle::App opens inside --state-dir.
constexpr const char* kDatabaseName = "certkeep.db";
constexpr double kTargetWallS = 0.5;
constexpr double kTargetRssMib = 50;

struct Options {
  std::string certkeep_bin;
  long lineages = 100000;
  int repeat = 5;
  std::string state_dir;  // empty: a temporary one
  std::string store;      // empty: <state>/certkeep.db
};

// Deterministic filler so every row differs (xorshift64).
class Filler {
 public:
  explicit Filler(std::uint64_t seed) : state_(seed * 2654435761u + 1) {}
  // A PEM block whose body has `body_bytes` base64 characters in 64-character lines.
  std::string pem(const char* label, std::size_t body_bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = std::string("-----BEGIN ") + label + "-----\n";
    for (std::size_t i = 0; i < body_bytes; ++i) {
      out += kAlphabet[next() % 64];
      if (i % 64 == 63 || i + 1 == body_bytes) out += '\n';
    }
    out += std::string("-----END ") + label + "-----\n";
    return out;
  }
  std::string hex(std::size_t digits) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < digits; ++i) out += kHex[next() % 16];
    return out;
  }

 private:
  std::uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  std::uint64_t state_;
};

LineageRecord make_lineage(long index, std::int64_t account_id, certkeep::core::SystemTime now) {
  using std::chrono::hours;
  using std::chrono::seconds;
  Filler filler(static_cast<std::uint64_t>(index));
  char name[64];
  std::snprintf(name, sizeof name, "site%06ld.bench.example.com", index);
  LineageRecord lineage;
  lineage.name = name;
  lineage.identifiers = {name, std::string("www.") + name};
  lineage.account_id = account_id;
  lineage.status = LineageStatus::Valid;
  lineage.settings.directory_url = "https://127.0.0.1:14000/dir";
  lineage.settings.http_listen = "127.0.0.1:5002";
  lineage.settings.email = "ops@example.com";
  lineage.key_pem = Secret(filler.pem("PRIVATE KEY", 184));  // an EC P-256 PKCS#8 key
  lineage.cert_pem = filler.pem("CERTIFICATE", 1300);        // a two-name leaf
  lineage.chain_pem = filler.pem("CERTIFICATE", 1500);       // one intermediate
  lineage.serial = filler.hex(36);
  lineage.issuer = "Pebble Intermediate CA 4a1d8b";
  lineage.not_before = now - hours(24);
  lineage.not_after = now + hours(24 * 89);
  // Due in about two months, spread over a day so the renew_at index is not one value.
  lineage.renew_at = now + hours(24 * 59) + seconds(index % 86400);
  lineage.deployed_serial = lineage.serial;
  lineage.created_at = now - hours(24);
  lineage.updated_at = lineage.created_at;
  return lineage;
}

// Exit code of build_state when the store already held lineages and was kept as it is.
constexpr int kReused = 3;

// Runs in a child process (see build_state_in_child).
int build_state(const std::string& location, long count, bool reuse) {
  auto store = Store::open(location);
  if (!store) {
    std::fprintf(stderr, "open store: %s\n", store.error().to_string().c_str());
    return 1;
  }
  if (reuse) {
    auto next = (*store)->next_due_time();
    if (next && next->has_value()) return kReused;
  }
  const auto now = std::chrono::system_clock::now();
  AccountRecord account;
  account.directory_url = "https://127.0.0.1:14000/dir";
  account.account_url = "https://127.0.0.1:14000/my-account/1";
  account.key_pem = Secret(Filler(0).pem("PRIVATE KEY", 184));
  account.contact = "mailto:ops@example.com";
  account.created_at = now;
  auto saved = (*store)->save_account(account);
  if (!saved) {
    std::fprintf(stderr, "save account: %s\n", saved.error().to_string().c_str());
    return 1;
  }
  constexpr long kBatch = 10000;  // one transaction per batch keeps memory bounded
  for (long first = 0; first < count; first += kBatch) {
    std::vector<LineageRecord> batch;
    for (long i = first; i < std::min(count, first + kBatch); ++i)
      batch.push_back(make_lineage(i, saved->id, now));
    auto inserted = (*store)->insert_lineages_bulk(batch);
    if (!inserted) {
      std::fprintf(stderr, "insert lineages: %s\n", inserted.error().to_string().c_str());
      return 1;
    }
  }
  // Nothing may be due, or the benchmark would measure renewals instead of the check.
  auto due = (*store)->due_lineages(now);
  if (!due) {
    std::fprintf(stderr, "due lineages: %s\n", due.error().to_string().c_str());
    return 1;
  }
  if (!due->empty()) {
    std::fprintf(stderr, "%zu lineages are due right after insertion\n", due->size());
    return 1;
  }
  return 0;
}

// The store is built in a forked child so this process stays small: its peak RSS would
// otherwise become the floor of every ru_maxrss measured after (see run_child).
// 0 when built, kReused when `reuse` found lineages there already, 1 on failure.
int build_state_in_child(const std::string& location, long count, bool reuse) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("fork");
    return 1;
  }
  if (pid == 0) {
    const int code = build_state(location, count, reuse);
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      std::perror("waitpid");
      return 1;
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::uintmax_t store_bytes(const fs::path& state) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto size = fs::file_size(state / (std::string(kDatabaseName) + suffix), ec);
    if (!ec) total += size;
  }
  return total;
}

std::string read_file(const fs::path& path) {
  std::string text;
  if (std::FILE* file = std::fopen(path.c_str(), "r")) {
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  return text;
}

// From `renew --json`: the number after "checked": (how many lineages it acted on), or -1.
long checked_count(const std::string& json) {
  const std::string key = "\"checked\":";
  const auto at = json.find(key);
  if (at == std::string::npos) return -1;
  return std::strtol(json.c_str() + at + key.size(), nullptr, 10);
}

bool parse_options(int argc, char** argv, Options& options) {
  if (argc < 2 || argv[1][0] == '-') return false;
  options.certkeep_bin = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    if (arg == "--lineages")
      options.lineages = std::atol(argv[++i]);
    else if (arg == "--repeat")
      options.repeat = std::atoi(argv[++i]);
    else if (arg == "--state-dir")
      options.state_dir = argv[++i];
    else if (arg == "--store")
      options.store = argv[++i];
    else
      return false;
  }
  return options.lineages > 0 && options.repeat > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) {
    std::fprintf(stderr, "usage: %s CERTKEEP_BIN [--lineages N] [--repeat R] [--state-dir DIR] [--store URL]\n",
                 argv[0]);
    return 2;
  }

  // A private work directory for the outputs (and the state, unless one was given).
  std::string work_template =
      std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/certkeep-renew-check.XXXXXX";
  if (::mkdtemp(work_template.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path work = work_template;
  const bool own_state = options.state_dir.empty();
  const fs::path state = own_state ? work / "state" : fs::path(options.state_dir);
  const auto cleanup = [&] {
    std::error_code ec;
    fs::remove_all(work, ec);
  };
  std::error_code ec;
  fs::create_directories(state, ec);
  ::chmod(state.c_str(), 0700);

  double build_s = 0;
  const std::string location = options.store.empty() ? (state / kDatabaseName).string() : options.store;
  bool build = options.store.empty() ? !fs::exists(state / kDatabaseName) : true;
  if (build) {
    const auto start = std::chrono::steady_clock::now();
    const int built = build_state_in_child(location, options.lineages, !options.store.empty());
    if (built != 0 && built != kReused) {
      std::fprintf(stderr, "renew_check_bench: building the store failed\n");
      cleanup();
      return 1;
    }
    build = built == 0;
    build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double db_mib = options.store.empty() ? static_cast<double>(store_bytes(state)) / (1024.0 * 1024.0) : 0;

  std::vector<ChildRun> runs;
  for (int r = 0; r < options.repeat; ++r) {
    const fs::path out = work / "renew.out";
    const fs::path err = work / "renew.err";
    std::vector<std::string> command = {options.certkeep_bin, "--state-dir", state.string()};
    if (!options.store.empty()) command.insert(command.end(), {"--store", options.store});
    command.insert(command.end(), {"renew", "--json"});
    ChildRun run = certkeep::bench::run_child(command, out, err);
    const std::string stdout_text = read_file(out);
    if (!run.error.empty() || run.exit_code != 0) {
      std::fprintf(stderr, "renew_check_bench: run %d failed (exit %d) %s\n%s%s", r + 1, run.exit_code,
                   run.error.c_str(), stdout_text.c_str(), read_file(err).c_str());
      cleanup();
      return 1;
    }
    const long checked = checked_count(stdout_text);
    if (checked > 0) {
      std::fprintf(stderr, "renew_check_bench: renew acted on %ld lineages; none should be due\n%s", checked,
                   stdout_text.c_str());
      cleanup();
      return 1;
    }
    if (checked < 0 && r == 0)
      std::fprintf(stderr, "renew_check_bench: warning: no \"checked\" count in renew --json output\n");
    runs.push_back(run);
  }

  std::vector<double> walls, users, syss, cpus, rsss;
  for (const ChildRun& run : runs) {
    walls.push_back(run.wall_s);
    users.push_back(run.user_s);
    syss.push_back(run.sys_s);
    cpus.push_back(run.cpu_s());
    rsss.push_back(static_cast<double>(run.max_rss_kib));
  }
  const double wall = median(walls);
  const double rss_mib = mib(static_cast<long>(median(rsss)));
  const bool met = wall < kTargetWallS && rss_mib < kTargetRssMib;

  if (options.store.empty())
    std::printf("renew_check_bench: `certkeep renew` over %ld lineages, none due (store %.1f MiB",
                options.lineages, db_mib);
  else
    std::printf("renew_check_bench: `certkeep renew` over %ld lineages, none due (store %s", options.lineages,
                certkeep::store::describe_location(options.store).c_str());
  if (build)
    std::printf(", built in %.1f s", build_s);
  else
    std::printf(", reused from %s", options.store.empty() ? state.c_str() : "the database");
  std::printf(")\n");
  std::printf("%-26s %8s %8s %8s %8s %9s\n", "run", "wall_s", "user_s", "sys_s", "cpu_s", "rss_MiB");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::printf("%-26zu %8.3f %8.3f %8.3f %8.3f %9.1f\n", i + 1, runs[i].wall_s, runs[i].user_s,
                runs[i].sys_s, runs[i].cpu_s(), mib(runs[i].max_rss_kib));
  }
  std::printf("%-26s %8.3f %8.3f %8.3f %8.3f %9.1f\n", "certkeep (median)", wall, median(users), median(syss),
              median(cpus), rss_mib);
  std::printf("%-26s %8.2f %8s %8s %8s %9.0f\n", "certbot 2.1 (10 lineages)", 0.43, "-", "-", "-", 56.0);
  std::printf("%-26s %8.2f %8s %8s %8s %9.0f\n", "lego 4.9", 0.21, "-", "-", "-", 21.0);
  std::printf("target: wall < %.1f s and peak RSS < %.0f MiB: %s  (measurement floor %.1f MiB)\n",
              kTargetWallS, kTargetRssMib, met ? "MET" : "MISSED", mib(certkeep::bench::self_max_rss_kib()));

  JsonLine json;
  json.begin()
      .text("bench", "renew_check")
      .text("engine", options.store.empty() ? "sqlite" : "postgresql")
      .integer("lineages", options.lineages)
      .integer("repeat", options.repeat);
  json.number("store_mib", db_mib, 1).begin_array("runs");
  for (const ChildRun& run : runs) {
    json.begin().number("wall_s", run.wall_s).number("user_s", run.user_s).number("sys_s", run.sys_s);
    json.integer("max_rss_kib", run.max_rss_kib).end();
  }
  json.end_array();
  json.begin("median")
      .number("wall_s", wall)
      .number("cpu_s", median(cpus))
      .number("max_rss_mib", rss_mib, 2)
      .end();
  json.begin("target")
      .number("wall_s", kTargetWallS, 2)
      .number("max_rss_mib", kTargetRssMib, 0)
      .boolean("met", met)
      .end();
  json.begin("peers")
      .begin("certbot_2_1_10_lineages")
      .number("wall_s", 0.43, 2)
      .number("max_rss_mib", 56, 0)
      .end();
  json.begin("lego_4_9").number("wall_s", 0.21, 2).number("max_rss_mib", 21, 0).end().end();
  json.end();
  std::printf("%s\n", json.str().c_str());

  cleanup();  // the work directory only: a --state-dir given by the caller lives elsewhere
  return 0;
}
