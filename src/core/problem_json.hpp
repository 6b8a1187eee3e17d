// SPDX-License-Identifier: Apache-2.0
// A CA's problem document written back as RFC 7807 JSON, as the store keeps it in a failed
// attempt's event (the CA's own words, with its subproblems, for `certkeep show`).
#pragma once

#include <string>

#include "certkeep/error.hpp"

namespace certkeep::core {

// {"type":…,"detail":…,"status":…,"instance":…,"subproblems":[{"type":…,"detail":…,
//  "identifier":{"type":"dns","value":…}}]}; empty members are left out.
std::string problem_json(const Problem& problem);

// What a failure's event records: the problem document as JSON when the CA sent one, else the
// error's text.
std::string failure_detail(const Error& error);

}  // namespace certkeep::core
