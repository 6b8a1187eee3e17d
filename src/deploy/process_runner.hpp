// SPDX-License-Identifier: Apache-2.0
// ProcessRunner: the seam for child processes (deploy hooks), so tests can fake them.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::deploy {

struct ProcessSpec {
  std::vector<std::string> argv;               // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;      // added to (and overriding) the inherited environment
  std::chrono::milliseconds timeout{300'000};  // then SIGTERM to the process group, SIGKILL 2 s later
  std::size_t output_tail_bytes = 4096;        // stdout+stderr, interleaved, last N bytes kept
  std::chrono::milliseconds kill_grace{2000};  // SIGTERM -> SIGKILL delay after a timeout
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;      // the terminating signal, 0 if it exited
  bool timed_out = false;
  std::string output_tail;  // sanitized for a terminal/log (no control characters)
  std::chrono::milliseconds elapsed{0};
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Errc::Io when the process cannot be started; a non-zero exit is a result, not an error.
  virtual Result<ProcessResult> run(const ProcessSpec& spec) = 0;
};

// fork/exec (posix_spawn) in its own process group, stdin from /dev/null, no shell unless argv
// asks for one, file descriptors other than 0-2 closed, the timeout enforced.
//
// Errors: Errc::InvalidArgument for an empty argv or a NUL byte / bad name in argv or env;
// Errc::Io when the process cannot be started, including a command that does not exist or is
// not executable (posix_spawnp reports the exec failure; there is no exit 127 for that case).
// The PATH search uses the caller's PATH, not spec.env's.
// On timeout: SIGTERM to the process group, SIGKILL to it `kill_grace` later, and a final
// SIGKILL sweep of the group once the leader has exited. The run returns when the direct
// child has exited; a background grandchild still holding stdout is neither waited for nor
// killed (unless the run timed out). Thread-safe: concurrent runs are independent.
class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> run(const ProcessSpec& spec) override;
};

// The last `max_bytes` of `output` (not starting inside a UTF-8 sequence), CRLF folded to LF and
// every other control character (C0 except \n and \t, DEL, C1) replaced by '?'. Never longer
// than max_bytes.
std::string sanitize_process_output(std::string_view output, std::size_t max_bytes);

}  // namespace certkeep::deploy
