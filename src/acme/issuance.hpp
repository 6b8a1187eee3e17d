// SPDX-License-Identifier: Apache-2.0
// The order flow (RFC 8555 §7.4): order → authorizations → challenges (each name by the solver
// its lineage chose: HTTP-01, DNS-01 or TLS-ALPN-01) → finalize → download → verify. One call
// issues one certificate; the caller owns the account, the key, the solvers and storage.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "acme/certificate_download.hpp"
#include "acme/client.hpp"
#include "certkeep/result.hpp"
#include "certkeep/solver.hpp"
#include "crypto/certificate.hpp"
#include "crypto/csr_file.hpp"
#include "crypto/private_key.hpp"

namespace certkeep::acme {

// The solver of each name of an order, keyed by the name as ordered ("*.example.com" for a
// wildcard). Not owned.
using SolverMap = std::map<std::string, Solver*, std::less<>>;

// `solver` for every name of `names`.
SolverMap one_solver_for(const std::vector<std::string>& names, Solver& solver);

struct IssuanceRequest {
  // Validated DNS names ("*." allowed) and IP addresses (canonical text, RFC 8738); the first DNS
  // name is the CN.
  std::vector<std::string> names;
  // The certificate's key; none when `csr` is set (exactly one of the two).
  std::optional<crypto::PrivateKey> certificate_key;
  // Bring your own CSR: finalize with it as given and check the certificate against its public
  // key; certkeep never sees the private key. Its names must be `names`.
  std::optional<crypto::CsrInfo> csr;
  std::string preferred_chain;  // issuer CN, may be empty
  std::string replaces;         // ARI CertID of the certificate being replaced, may be empty
  // An ACME profile (draft-aaron-acme-profiles): refused before ordering (Errc::InvalidArgument
  // listing what the CA offers) unless the directory advertises it; sent in newOrder.
  std::string profile;
  std::string resume_order_url;  // an order left by an interrupted run, may be empty
};

struct IssuanceOptions {
  // Total time for validation and finalization polls. Default 3 min.
  std::chrono::seconds poll_deadline{180};
  std::chrono::milliseconds first_poll{50};
  std::chrono::milliseconds max_poll_interval{std::chrono::seconds(5)};
  // Stops polling at once (Errc::Cancelled); the order stays resumable.
  std::stop_token stop;
};

enum class IssuanceStep { Order, Challenge, Validated, Finalize, Download };

struct IssuanceObserver {
  // A line of progress for a person ("order https://…: 3 authorizations").
  std::function<void(IssuanceStep, std::string_view)> progress;
  // Called once the CA has created the order, so it can be stored and resumed after a crash.
  std::function<void(const std::string& order_url)> order_created;
};

struct IssuedChain {
  CertificateChain chain;
  crypto::CertificateInfo leaf;
  std::string order_url;
};

// Each solver's check() runs before the order is made; for each pending authorization the
// challenge of the type its name's solver answers is presented, made ready and answered.
// Errc::InvalidArgument when a name has no solver; Errc::CaProblem naming the identifier and
// the types the CA offers when it offers none of the solver's type; Errc::CaProblem with the
// CA's problem document (and per-identifier subproblems) when the CA refuses or a challenge is
// invalid; Errc::Timeout past options.poll_deadline; Errc::Protocol when the certificate does
// not match the request (names, key); a solver's own error. Solver::cleanup runs for every
// presented batch on every path.
Result<IssuedChain> issue_certificate(Client& client, const SolverMap& solvers, const IssuanceRequest& request,
                                      const IssuanceOptions& options = {},
                                      const IssuanceObserver& observer = {});
// The same with one solver for every name.
Result<IssuedChain> issue_certificate(Client& client, Solver& solver, const IssuanceRequest& request,
                                      const IssuanceOptions& options = {},
                                      const IssuanceObserver& observer = {});

// Checks a downloaded certificate against what was asked: SANs (DNS names and IP addresses)
// exactly `names`, public key equal to `key` (or to the CSR's, `public_key_der`), sane
// validity, a chain that links up. Errc::Protocol naming the mismatch.
Result<crypto::CertificateInfo> verify_issued_certificate(const CertificateChain& chain,
                                                          const std::vector<std::string>& names,
                                                          const crypto::PrivateKey& key);
Result<crypto::CertificateInfo> verify_issued_certificate_for_csr(const CertificateChain& chain,
                                                                  const std::vector<std::string>& names,
                                                                  std::string_view public_key_der);

// Errc::InvalidArgument unless `profile` is empty or offered by the directory, naming the
// offered ones.
Result<void> check_profile(const Directory& directory, std::string_view profile);

}  // namespace certkeep::acme
