// SPDX-License-Identifier: Apache-2.0
// The whole command line: global options, the commands, CLI11's parse (its exceptions stop
// here) and the exit code (cli/exit_codes.hpp). main() adds only the process set-up.
#pragma once

namespace certkeep::cli {

// Parses argv, runs the command it names, returns the process exit code.
int run_command_line(int argc, const char* const* argv);

}  // namespace certkeep::cli
