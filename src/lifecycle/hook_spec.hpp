// SPDX-License-Identifier: Apache-2.0
// What a hook (the deploy hook, the notify hook) is told about a lineage: the live/ paths, its
// names, serial and expiry. One place, so both hooks see the same variables.
#pragma once

#include <string>

#include "deploy/hook_runner.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// `command` run for `lineage` with services.hook_timeout. A lineage of a CSR brought by its
// owner has no key in live/: key_path stays empty (the hook sees CERTKEEP_KEY_EXTERNAL=1).
deploy::HookSpec hook_spec_for(const Services& services, const store::LineageRecord& lineage, std::string command);

}  // namespace certkeep::lifecycle
