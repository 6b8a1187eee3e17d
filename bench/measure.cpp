// SPDX-License-Identifier: Apache-2.0
// bench_measure USAGE_FILE COMMAND [ARGS...]
//
// Runs COMMAND with this process's stdin/stdout/stderr and writes one line to USAGE_FILE:
//   wall_s user_s sys_s max_rss_kib exit_code
// then exits with COMMAND's exit code. It is GNU time with microsecond CPU figures (GNU
// time's %U/%S round to 10 ms, too coarse next to a 50 ms target) and a monotonic wall clock.
#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s USAGE_FILE COMMAND [ARGS...]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> command(argv + 2, argv + argc);
  const certkeep::bench::ChildRun run = certkeep::bench::run_child(command);
  if (!run.error.empty()) {
    std::fprintf(stderr, "bench_measure: %s\n", run.error.c_str());
    return 127;
  }
  std::FILE* usage = std::fopen(argv[1], "w");
  if (usage == nullptr) {
    std::perror(argv[1]);
    return 125;
  }
  std::fprintf(usage, "%.6f %.6f %.6f %ld %d\n", run.wall_s, run.user_s, run.sys_s, run.max_rss_kib,
               run.exit_code);
  if (std::fclose(usage) != 0) {
    std::perror(argv[1]);
    return 125;
  }
  return run.exit_code;
}
