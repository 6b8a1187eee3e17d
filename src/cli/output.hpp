// SPDX-License-Identifier: Apache-2.0
// Output: what the CLI prints. Progress goes to stderr on a terminal (or with --verbose) and
// nowhere otherwise; results go to stdout; errors to stderr with the CA's problem document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "certkeep/error.hpp"

namespace certkeep::cli {

class Output {
 public:
  Output(bool json, bool verbose, bool quiet);

  bool json() const noexcept { return json_; }
  // One progress line ("account …", "order …"): on a terminal or with --verbose.
  void progress(std::string_view line) const;
  // A result line on stdout (suppressed with --json and --quiet).
  void result(std::string_view line) const;
  // Raw text on stdout (tables, JSON).
  void raw(std::string_view text) const;
  void warning(std::string_view line) const;
  // "error: …" on stderr. Returns the exit code for the error (2 for bad usage, else 1).
  int error(const Error& error) const;
  // With --json, a command that wrote no document of its own gets the generic one (docs/json.md,
  // kind "result"): its result lines and errors, and the exit code.
  void finish(std::string_view command, int exit_code) const;

 private:
  bool json_;
  bool show_progress_;
  bool quiet_;
  // What a --json run printed or would have printed, for finish().
  mutable bool wrote_stdout_ = false;
  mutable std::vector<std::string> results_;
  mutable std::vector<std::string> errors_;
};

// `--stats`: "certkeep-stats: requests=N connections=M" on stderr, for benchmarks.
void print_transport_stats();

// Exit code for an error: 2 for Errc::InvalidArgument, else 1.
int exit_code_for(const Error& error) noexcept;

}  // namespace certkeep::cli
