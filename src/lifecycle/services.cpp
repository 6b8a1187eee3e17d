// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/services.hpp"

#include <mutex>

#include "challenge/standalone_responder.hpp"
#include "challenge/webroot_solver.hpp"
#include "core/result_macros.hpp"
#include "lifecycle/metrics_report.hpp"
#include "lifecycle/server_ca_pin.hpp"
#include "lifecycle/transport_totals.hpp"

namespace certkeep::lifecycle {

TransportFactory curl_transport_factory() {
  return [](const store::LineageSettings& settings) -> Result<std::unique_ptr<http::Transport>> {
    std::unique_ptr<http::Transport> transport =
        CERTKEEP_TRY(make_ca_transport(settings.ca_bundle, settings.server_ca_checksum));
    return count_into_totals(measure_requests(std::move(transport), settings.directory_url));
  };
}

Result<acme::Client*> ClientCache::get(const TransportFactory& make, const store::LineageSettings& settings,
                                       core::Clock& clock) {
  const std::string key =
      settings.directory_url + '\n' + settings.ca_bundle + '\n' + settings.server_ca_checksum;
  Entry& entry = entries_[key];
  if (!entry.transport) entry.transport = CERTKEEP_TRY(make(settings));
  const core::SystemTime now = clock.now();
  if (!entry.client || now - entry.connected_at >= kDirectoryMaxAge || now < entry.connected_at) {
    entry.client.reset();  // a failed connect leaves no stale client behind
    entry.client = CERTKEEP_TRY(acme::Client::connect(*entry.transport, settings.directory_url, clock));
    entry.connected_at = now;
  }
  return entry.client.get();
}

namespace {

// One responder per listen address for the whole process; it closes its socket when its last
// challenge is cleaned up, and is dropped when no flow holds it.
Result<std::shared_ptr<Solver>> shared_standalone_solver(const std::string& listen,
                                                         const std::filesystem::path& lock_dir) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<challenge::StandaloneSolver>> solvers;
  std::lock_guard lock(mutex);
  if (auto existing = solvers[listen].lock()) return std::shared_ptr<Solver>(existing);
  challenge::ResponderOptions options;
  options.listen = listen;
  options.port_lock_dir = lock_dir;
  std::shared_ptr<challenge::StandaloneSolver> solver =
      CERTKEEP_TRY(challenge::StandaloneSolver::create(std::move(options)));
  solvers[listen] = solver;
  return std::shared_ptr<Solver>(solver);
}

}  // namespace

SolverFactory default_solver_factory(std::filesystem::path port_lock_dir) {
  return [port_lock_dir](const store::LineageSettings& settings) -> Result<std::shared_ptr<Solver>> {
    switch (settings.challenge_method) {
      case store::ChallengeMethod::Webroot: {
        std::unique_ptr<Solver> solver = CERTKEEP_TRY(challenge::make_webroot_solver(settings.webroot));
        return std::shared_ptr<Solver>(std::move(solver));
      }
      case store::ChallengeMethod::Standalone:
        return shared_standalone_solver(settings.http_listen.empty() ? ":80" : settings.http_listen,
                                        port_lock_dir);
      case store::ChallengeMethod::Memory: break;  // only a Manager answers in process
    }
    return fail(Errc::InvalidArgument, "challenge method \"" +
                                           std::string(store::to_string(settings.challenge_method)) +
                                           "\" needs the library's Manager, which answers it in process");
  };
}

}  // namespace certkeep::lifecycle
