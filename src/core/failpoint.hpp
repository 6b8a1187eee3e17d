// SPDX-License-Identifier: Apache-2.0
// Failpoints: named steps of an issuance where a test build stops the process on purpose, so
// the crash tests hit every step instead of random moments (docs/reliability.md A). Compiled in
// only with the CMake option CERTKEEP_FAILPOINTS (the CI's test build); otherwise failpoint()
// is an empty inline function.
//
// CERTKEEP_FAILPOINT=NAME:ACTION, ACTION one of
//   kill      SIGKILL to the process (what a power cut or the OOM killer does to it)
//   exit      _exit(86) without unwinding or flushing anything
//   sleep=MS  wait MS milliseconds, then go on (to signal or stop the process there)
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace certkeep::core {

// Failpoints come in groups, one per flow a crash test walks: an issuance or renewal, and an
// account key rollover (`certkeep account rollover`).
enum class FailpointGroup { Issuance, Rollover };
// "issuance", "rollover"; nullopt for anything else.
std::optional<FailpointGroup> parse_failpoint_group(std::string_view text) noexcept;

// Every name failpoint() is called with in `group`, in the order the flow reaches them.
std::span<const std::string_view> failpoint_names(FailpointGroup group = FailpointGroup::Issuance) noexcept;

#ifdef CERTKEEP_FAILPOINTS
// Acts when CERTKEEP_FAILPOINT names `name`. A name missing from failpoint_names(), or a
// malformed CERTKEEP_FAILPOINT, ends the process with a message: a test must not pass because
// its failpoint was misspelt.
void failpoint(std::string_view name);
#else
inline void failpoint(std::string_view) {}
#endif

}  // namespace certkeep::core
