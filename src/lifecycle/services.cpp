// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/services.hpp"

#include "challenge/standalone_responder.hpp"
#include "challenge/webroot_solver.hpp"
#include "core/result_macros.hpp"
#include "http/curl_transport.hpp"
#include "lifecycle/transport_totals.hpp"

namespace certkeep::lifecycle {

TransportFactory curl_transport_factory() {
  return [](const store::LineageSettings& settings) -> Result<std::unique_ptr<http::Transport>> {
    http::CurlOptions options;
    options.ca_bundle = settings.ca_bundle;
    std::unique_ptr<http::Transport> transport = CERTKEEP_TRY(http::make_curl_transport(std::move(options)));
    return count_into_totals(std::move(transport));
  };
}

SolverFactory default_solver_factory() {
  return [](const store::LineageSettings& settings) -> Result<std::shared_ptr<Solver>> {
    if (settings.challenge_method == "webroot") {
      std::unique_ptr<Solver> solver = CERTKEEP_TRY(challenge::make_webroot_solver(settings.webroot));
      return std::shared_ptr<Solver>(std::move(solver));
    }
    if (settings.challenge_method == "standalone") {
      challenge::ResponderOptions options;
      options.listen = settings.http_listen.empty() ? ":80" : settings.http_listen;
      std::unique_ptr<challenge::StandaloneSolver> solver =
          CERTKEEP_TRY(challenge::StandaloneSolver::create(std::move(options)));
      return std::shared_ptr<Solver>(std::move(solver));
    }
    return fail(Errc::InvalidArgument, "unknown challenge method \"" + settings.challenge_method + "\"");
  };
}

}  // namespace certkeep::lifecycle
