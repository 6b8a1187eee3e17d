// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/hook_spec.hpp"

#include "core/time_format.hpp"

namespace certkeep::lifecycle {

deploy::HookSpec hook_spec_for(const Services& services, const store::LineageRecord& lineage, std::string command) {
  const std::filesystem::path live = services.state_dir / "live" / lineage.name;
  deploy::HookSpec hook;
  hook.command = std::move(command);
  hook.lineage = lineage.name;
  hook.domains = lineage.identifiers;
  hook.cert_path = (live / "cert.pem").string();
  hook.chain_path = (live / "chain.pem").string();
  hook.fullchain_path = (live / "fullchain.pem").string();
  if (!lineage.key_pem.empty()) hook.key_path = (live / "privkey.pem").string();
  hook.serial = lineage.serial;
  hook.not_after = lineage.not_after ? core::format_rfc3339(*lineage.not_after) : "";
  hook.timeout = services.hook_timeout;
  return hook;
}

}  // namespace certkeep::lifecycle
