// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the benchmark executables: run a child process and measure it the way
// GNU time does (wait4), medians, and the one-line JSON every benchmark prints last.
// Header-only so bench_measure links nothing of certkeep.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace certkeep::bench {

struct ChildRun {
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  long max_rss_kib = 0;  // ru_maxrss (Linux reports KiB)
  int exit_code = -1;    // 128 + signal number when killed by a signal
  std::string error;     // set when the child could not be started or waited for

  double cpu_s() const { return user_s + sys_s; }
};

inline double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// Runs argv[0] (PATH lookup) with the given arguments and waits for it. stdout/stderr go to
// the named files when non-empty, else they are inherited.
//
// posix_spawn rather than fork: a forked child's ru_maxrss starts at the parent's peak RSS
// (the kernel carries the old mm's high-water mark across exec), so the measuring process
// must stay small and must not duplicate its pages. Callers keep big data out of this process.
inline ChildRun run_child(const std::vector<std::string>& argv, const std::string& stdout_path = {},
                          const std::string& stderr_path = {}) {
  ChildRun run;
  if (argv.empty()) {
    run.error = "no command";
    return run;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const int flags = O_WRONLY | O_CREAT | O_TRUNC;  // no O_CLOEXEC: these become the child's fds
  if (!stdout_path.empty()) posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), flags, 0600);
  if (!stderr_path.empty()) posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), flags, 0600);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    run.error = "cannot start " + argv[0] + ": " + std::strerror(spawn_error);
    return run;
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      run.error = std::string("wait4: ") + std::strerror(errno);
      return run;
    }
  }
  const auto end = std::chrono::steady_clock::now();
  run.wall_s = std::chrono::duration<double>(end - start).count();
  run.user_s = seconds_of(usage.ru_utime);
  run.sys_s = seconds_of(usage.ru_stime);
  run.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status))
    run.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    run.exit_code = 128 + WTERMSIG(status);
  return run;
}

// Median of the values (mean of the middle two for an even count); 0 for none.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// This process's own peak RSS: the floor below which no child measurement can go.
inline long self_max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

inline double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// Builds the one JSON line a benchmark prints last: keys are the benchmark's own constants,
// so only the string values need escaping.
class JsonLine {
 public:
  JsonLine& begin(const char* key = nullptr) { return open(key, '{'); }
  JsonLine& end() { return close('}'); }
  JsonLine& begin_array(const char* key) { return open(key, '['); }
  JsonLine& end_array() { return close(']'); }
  JsonLine& number(const char* key, double value, int decimals = 4) {
    prefix(key);
    if (!std::isfinite(value)) {
      out_ += "null";
    } else {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
      out_ += buffer;
    }
    return *this;
  }
  JsonLine& integer(const char* key, long long value) {
    prefix(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonLine& boolean(const char* key, bool value) {
    prefix(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonLine& null(const char* key) {
    prefix(key);
    out_ += "null";
    return *this;
  }
  JsonLine& text(const char* key, const std::string& value) {
    prefix(key);
    out_ += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out_ += buffer;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  JsonLine& open(const char* key, char bracket) {
    prefix(key);
    out_ += bracket;
    first_ = true;
    return *this;
  }
  JsonLine& close(char bracket) {
    out_ += bracket;
    first_ = false;
    return *this;
  }
  void prefix(const char* key) {
    if (!first_) out_ += ',';
    first_ = false;
    if (key != nullptr) {
      out_ += '"';
      out_ += key;
      out_ += "\":";
    }
  }
  std::string out_;
  bool first_ = true;
};

}  // namespace certkeep::bench
