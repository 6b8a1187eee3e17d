// SPDX-License-Identifier: Apache-2.0
// Services: the world a renewal touches (store, clock, files, processes, network, solvers),
// gathered in one place so the CLI, the daemon and the library wire it once and tests can
// swap any part.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "acme/client.hpp"
#include "acme/issuance.hpp"
#include "certkeep/result.hpp"
#include "certkeep/solver.hpp"
#include "core/clock.hpp"
#include "deploy/process_runner.hpp"
#include "http/transport.hpp"
#include "lifecycle/confirmation.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

using TransportFactory =
    std::function<Result<std::unique_ptr<http::Transport>>(const store::LineageSettings&)>;
struct Services;
// The lineage's solver for one challenge type (lineage_solvers.hpp decides which names use it).
using SolverFactory =
    std::function<Result<std::shared_ptr<Solver>>(Services&, const store::LineageRecord&, ChallengeType)>;
using ProgressSink = std::function<void(std::string_view)>;

// The CA clients of one worker, kept across flows so that bulk renewal reuses one TLS
// connection, one directory and one parsed account key per CA instead of one per lineage.
class ClientCache {
 public:
  // A long-lived owner (the daemon) fetches the directory again after this long, so a CA that
  // changes its directory (adds renewalInfo, moves an endpoint) is noticed.
  static constexpr std::chrono::minutes kDirectoryMaxAge{10};

  // The client for the settings' CA (directory URL + CA bundle): made on first use with a new
  // transport; a client older than kDirectoryMaxAge is replaced over the same transport.
  Result<acme::Client*> get(const TransportFactory& make, const store::LineageSettings& settings,
                            core::Clock& clock);

 private:
  struct Entry {
    std::unique_ptr<http::Transport> transport;
    std::unique_ptr<acme::Client> client;
    core::SystemTime connected_at;
  };
  std::map<std::string, Entry> entries_;
};

class LeaseKeeper;

struct Services {
  store::Store& store;
  core::Clock& clock;
  std::filesystem::path state_dir;
  deploy::ProcessRunner& processes;
  TransportFactory make_transport;  // Default (make_default_services): libcurl
  SolverFactory make_solver;        // Default: default_solver_factory
  ProgressSink progress;            // may be empty
  acme::IssuanceOptions issuance;
  std::chrono::seconds hook_timeout{300};
  // How long a renewal's lease lasts without a heartbeat. Default (0): the order's poll
  // deadline plus 5 minutes. A fleet sets it short (a minute): lease_keeper extends it while
  // the renewal runs, and a stopped renewer's lease lapses soon.
  std::chrono::seconds lease_ttl{0};
  // The heartbeat of this process's leases; none (nullptr) for a store without a location (in
  // memory), where the lease simply lasts lease_ttl.
  std::shared_ptr<LeaseKeeper> lease_keeper;
  // A fleet's store (PostgreSQL): every challenge answer a renewal presents is also saved in
  // the store, so whichever node the CA asks answers it (shared_challenges.hpp).
  bool share_challenges = false;
  // `--notify-hook`: run on failures, near expiry and stale servers (lifecycle/notifier.hpp).
  std::string notify_hook;
  // Deployment confirmation after each deploy (lifecycle/after_deploy.hpp).
  ConfirmOptions confirm;
  // Not thread-safe: each worker has its own Services and so its own cache.
  std::shared_ptr<ClientCache> clients = std::make_shared<ClientCache>();
};

// libcurl with the lineage's ca_bundle added to the system roots.
TransportFactory curl_transport_factory();
// HTTP-01: Standalone → StandaloneSolver(http_listen), Webroot → WebrootSolver(webroot);
// TLS-ALPN-01: TlsAlpn → TlsAlpnSolver(tls_alpn_listen); DNS-01: make_dns_solver (RFC 2136 or
// hook, records noted in the store). The in-process methods (Memory, TlsAlpnMemory) are refused
// (a Manager supplies its own factory).
// Standalone responders are shared per listen address within the process, so concurrent
// renewals answer through one socket instead of racing to bind it. Across processes, a lock
// file per port in `port_lock_dir` (the state directory) makes them take turns.
SolverFactory default_solver_factory(std::filesystem::path port_lock_dir);

}  // namespace certkeep::lifecycle
