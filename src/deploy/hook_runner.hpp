// SPDX-License-Identifier: Apache-2.0
// Deploy hooks: the user's command, run by /bin/sh -c with the lineage described only in
// CERTKEEP_* environment variables; certificate data is never spliced into the command text.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "deploy/process_runner.hpp"

namespace certkeep::deploy {

// Every variable a hook gets from certkeep: the deploy hook's eight, and the notify hook's
// event and reason on top. The command line never reads these names as options, so a hook that
// runs certkeep itself is not steered by its own environment.
inline constexpr std::array<std::string_view, 10> kHookVariables = {
    "CERTKEEP_NAME", "CERTKEEP_DOMAINS", "CERTKEEP_CERT",      "CERTKEEP_CHAIN", "CERTKEEP_FULLCHAIN",
    "CERTKEEP_KEY",  "CERTKEEP_SERIAL",  "CERTKEEP_NOT_AFTER", "CERTKEEP_EVENT", "CERTKEEP_REASON"};

struct HookSpec {
  std::string command;  // shell text as the user configured it
  std::string lineage;
  std::vector<std::string> domains;
  std::string cert_path;
  std::string chain_path;
  std::string fullchain_path;
  std::string key_path;  // empty for a CSR's lineage: certkeep holds no key for it
  std::string serial;
  std::string not_after;  // RFC 3339
  // Notify hooks: CERTKEEP_EVENT (renewal_failed, expiring, stale) and CERTKEEP_REASON (one
  // line: the error, the days left, the serial served). Empty for deploy hooks.
  std::string event;
  std::string reason;
  std::chrono::seconds timeout{300};
};

struct HookOutcome {
  bool succeeded = false;
  int exit_code = -1;
  bool timed_out = false;
  int signal = 0;
  std::string output_tail;
  std::chrono::milliseconds elapsed{0};
  std::chrono::seconds timeout{0};  // the limit that applied (HookSpec::timeout)
  // "exit 3", "timed out after 300 s", "killed by signal 9".
  std::string describe() const;
};

// CERTKEEP_NAME, CERTKEEP_DOMAINS (space-separated), CERTKEEP_CERT, CERTKEEP_CHAIN,
// CERTKEEP_FULLCHAIN, CERTKEEP_KEY, CERTKEEP_SERIAL, CERTKEEP_NOT_AFTER; CERTKEEP_EVENT and
// CERTKEEP_REASON when `event` is set; for a lineage of a CSR brought by its owner
// (`issue --csr`), CERTKEEP_KEY is empty and CERTKEEP_KEY_EXTERNAL=1.
std::map<std::string, std::string> hook_environment(const HookSpec& hook);

// Runs `/bin/sh -c command` (argv exactly {"/bin/sh", "-c", hook.command}) with
// hook_environment(hook) added to the inherited environment. Errc::Io only when it cannot
// start; Errc::InvalidArgument for an empty command. A failing or hanging hook is an outcome
// (succeeded=false), so the caller records it and keeps the renewal.
Result<HookOutcome> run_deploy_hook(ProcessRunner& runner, const HookSpec& hook);

}  // namespace certkeep::deploy
