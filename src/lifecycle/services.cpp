// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/services.hpp"

#include <mutex>

#include "challenge/standalone_responder.hpp"
#include "challenge/tls_alpn_responder.hpp"
#include "challenge/webroot_solver.hpp"
#include "core/result_macros.hpp"
#include "lifecycle/dns_solvers.hpp"
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
template <typename Responder, typename Options>
Result<std::shared_ptr<Solver>> shared_responder(const std::string& listen, const std::filesystem::path& lock_dir) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Responder>> responders;
  std::lock_guard lock(mutex);
  if (auto existing = responders[listen].lock()) return std::shared_ptr<Solver>(existing);
  Options options;
  options.listen = listen;
  options.port_lock_dir = lock_dir;
  std::shared_ptr<Responder> responder = CERTKEEP_TRY(Responder::create(std::move(options)));
  responders[listen] = responder;
  return std::shared_ptr<Solver>(responder);
}

}  // namespace

SolverFactory default_solver_factory(std::filesystem::path port_lock_dir) {
  return [port_lock_dir](Services& services, const store::LineageRecord& lineage,
                         ChallengeType type) -> Result<std::shared_ptr<Solver>> {
    const store::LineageSettings& settings = lineage.settings;
    if (type == ChallengeType::Dns01) return make_dns_solver(services, lineage);
    switch (settings.challenge_method) {
      case store::ChallengeMethod::Webroot:
        if (type != ChallengeType::Http01) break;
        return std::shared_ptr<Solver>(CERTKEEP_TRY(challenge::make_webroot_solver(settings.webroot)));
      case store::ChallengeMethod::Standalone:
        if (type != ChallengeType::Http01) break;
        return shared_responder<challenge::StandaloneSolver, challenge::ResponderOptions>(
            settings.http_listen.empty() ? ":80" : settings.http_listen, port_lock_dir);
      case store::ChallengeMethod::TlsAlpn:
        if (type != ChallengeType::TlsAlpn01) break;
        return shared_responder<challenge::TlsAlpnSolver, challenge::TlsAlpnResponderOptions>(
            settings.tls_alpn_listen.empty() ? ":443" : settings.tls_alpn_listen, port_lock_dir);
      case store::ChallengeMethod::Memory:
      case store::ChallengeMethod::TlsAlpnMemory:
        return fail(Errc::InvalidArgument, "challenge method \"" +
                                               std::string(store::to_string(settings.challenge_method)) +
                                               "\" needs the library's Manager, which answers it in process");
      case store::ChallengeMethod::None: break;
    }
    return fail(Errc::InvalidArgument, lineage.name + ": no " + std::string(to_string(type)) + " method configured");
  };
}

}  // namespace certkeep::lifecycle
