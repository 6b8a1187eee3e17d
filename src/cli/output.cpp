// SPDX-License-Identifier: Apache-2.0
#include "cli/output.hpp"

#include <unistd.h>

#include <cstdio>

#include "cli/exit_codes.hpp"
#include "cli/json_document.hpp"
#include "core/strings.hpp"
#include "lifecycle/transport_totals.hpp"

namespace certkeep::cli {

Output::Output(bool json, bool verbose, bool quiet)
    : json_(json), show_progress_(!quiet && (verbose || ::isatty(STDERR_FILENO) == 1)), quiet_(quiet) {}

void Output::progress(std::string_view line) const {
  if (!show_progress_) return;
  std::fprintf(stderr, "%s\n", core::sanitize_for_terminal(line, 4096).c_str());
}

void Output::result(std::string_view line) const {
  if (json_) results_.emplace_back(core::sanitize_for_terminal(line, 8192));
  if (json_ || quiet_) return;
  std::fprintf(stdout, "%s\n", core::sanitize_for_terminal(line, 8192).c_str());
  std::fflush(stdout);
}

void Output::raw(std::string_view text) const {
  wrote_stdout_ = true;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void Output::warning(std::string_view line) const {
  std::fprintf(stderr, "warning: %s\n", core::sanitize_for_terminal(line, 4096).c_str());
}

int Output::error(const Error& error) const {
  // to_string() already escapes what came from the CA.
  std::fprintf(stderr, "error: %s\n", error.to_string().c_str());
  if (json_) errors_.push_back(error.to_string());
  return exit_code_for(error);
}

void Output::finish(std::string_view command, int exit_code) const {
  if (!json_ || wrote_stdout_) return;
  core::JsonWriter json = json_document("result");
  json.field("command", command)
      .field("exit_code", exit_code)
      .field("messages", results_)
      .field("errors", errors_);
  raw(json.end_object().str() + "\n");
}

int exit_code_for(const Error& error) noexcept {
  return error.code() == Errc::InvalidArgument ? kExitUsage : kExitFailure;
}

void print_transport_stats() {
  const auto totals = lifecycle::transport_totals();
  std::fprintf(stderr, "certkeep-stats: requests=%zu connections=%zu\n", totals.requests,
               totals.connections_opened);
}

}  // namespace certkeep::cli
