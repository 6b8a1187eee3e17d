// SPDX-License-Identifier: Apache-2.0
#include "deploy/hook_runner.hpp"

#include <string>

#include "core/strings.hpp"

namespace certkeep::deploy {

std::string HookOutcome::describe() const {
  if (timed_out) return "timed out after " + std::to_string(timeout.count()) + " s";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

std::map<std::string, std::string> hook_environment(const HookSpec& hook) {
  std::map<std::string, std::string> env{
      {"CERTKEEP_NAME", hook.lineage},
      {"CERTKEEP_DOMAINS", core::join(hook.domains, " ")},
      {"CERTKEEP_CERT", hook.cert_path},
      {"CERTKEEP_CHAIN", hook.chain_path},
      {"CERTKEEP_FULLCHAIN", hook.fullchain_path},
      {"CERTKEEP_KEY", hook.key_path},
      {"CERTKEEP_SERIAL", hook.serial},
      {"CERTKEEP_NOT_AFTER", hook.not_after},
  };
  if (!hook.event.empty()) {
    env["CERTKEEP_EVENT"] = hook.event;
    env["CERTKEEP_REASON"] = hook.reason;
  }
  // A CSR's lineage: the key is its owner's, so there is no file to point at.
  if (hook.key_path.empty()) env["CERTKEEP_KEY_EXTERNAL"] = "1";
  return env;
}

Result<HookOutcome> run_deploy_hook(ProcessRunner& runner, const HookSpec& hook) {
  if (hook.command.empty())
    return fail(Errc::InvalidArgument, "deploy hook for " + hook.lineage + ": empty command");
  ProcessSpec spec;
  // The command goes to the shell verbatim and alone: lineage facts travel only in the
  // environment, so nothing from a CA or a certificate is ever parsed as shell text.
  spec.argv = {"/bin/sh", "-c", hook.command};
  spec.env = hook_environment(hook);
  spec.timeout = hook.timeout;
  auto ran = runner.run(spec);
  if (!ran) return fail(std::move(ran).error().with_context("deploy hook for " + hook.lineage));

  HookOutcome outcome;
  outcome.exit_code = ran->exit_code;
  outcome.timed_out = ran->timed_out;
  outcome.signal = ran->signal;
  outcome.output_tail = std::move(ran->output_tail);
  outcome.elapsed = ran->elapsed;
  outcome.timeout = hook.timeout;
  outcome.succeeded = !ran->timed_out && ran->signal == 0 && ran->exit_code == 0;
  return outcome;
}

}  // namespace certkeep::deploy
