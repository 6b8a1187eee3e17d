// SPDX-License-Identifier: Apache-2.0
// `certkeep issue`'s flags and the request they make: parsed by CLI11, checked here, before
// the store is opened or anything is written.
#pragma once

#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "cli/challenge_flags.hpp"
#include "cli/eab_flags.hpp"
#include "lifecycle/issue.hpp"

namespace CLI {
class App;
}

namespace certkeep::cli {

// What the user typed, before any check.
struct IssueFlags {
  std::vector<std::string> names;
  std::string lineage;
  std::string server;
  std::string key_type;
  std::string ca;          // --ca: issued by this private CA instead of an ACME CA
  int validity_days = 90;  // --validity, with --ca
  bool agree_tos = false;
  bool placeholder = false;            // --placeholder
  bool dry_run = false;                // --dry-run: against the CA's staging directory, nothing kept
  std::string dry_run_server;          // --dry-run-server
  bool standalone = false;             // --standalone
  ChallengeFlags challenges;
  EabFlags eab;                        // --eab-kid, --eab-hmac-key[-file], --eab-alg
  std::string csr_file;                // --csr: the names and the key are the CSR's
  std::vector<std::string> fallbacks;  // --fallback SPEC (repeatable)
  std::string fallback_after;          // --fallback-after DURATION
  store::LineageSettings settings;
};

// Registers the flags of `issue` on `cmd`, writing into `flags` (which must outlive the parse).
void add_issue_flags(CLI::App& cmd, IssueFlags& flags);

// Errc::InvalidArgument naming the flag for a bad name, server, key type, --ca-bundle,
// --webroot, --ca, --validity or challenge flag (challenge_flags.hpp), and for a name no
// configured method can prove (a wildcard without DNS-01, an IP address by DNS-01). A webroot
// becomes an absolute path; without one (and without --tls-alpn or a DNS method alone) the
// standalone responder listens on :80 unless --http-listen says otherwise. With --ca the lineage
// is the private CA's (no ACME server, account or challenge).
// The EAB MAC key may come from `env` (CERTKEEP_EAB_HMAC_KEY); `warn` gets a line about a
// readable key file.
Result<lifecycle::IssueRequest> build_issue_request(const IssueFlags& flags, const EnvReader& env = {},
                                                    const std::function<void(std::string_view)>& warn = {});

}  // namespace certkeep::cli
