// SPDX-License-Identifier: Apache-2.0
// MetricsEndpoint: the daemon's `GET /metrics` for Prometheus, on a loopback address by
// default. The HTTP side is the HTTP-01 responder's bounded server (connections, request size
// and time are capped, so a scrape flood cannot exhaust the daemon). A scrape never touches the
// store: it is answered from the last snapshot of the lineages, which a thread of its own
// refreshes when a scrape finds it older than `max_age` (at most once per max_age, whatever the
// scrape rate) and when the daemon asks after a renewal pass.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

struct MetricsEndpointOptions {
  // "127.0.0.1:9xxx", "[::1]:9xxx". Any other address only with allow_remote.
  std::string listen;
  bool allow_remote = false;
  std::chrono::seconds max_age{10};
  std::size_t max_connections = 16;
  std::chrono::milliseconds read_timeout{5000};
};

// Reads the lineages for a snapshot; called on the endpoint's own thread.
using LineageLister = std::function<Result<std::vector<store::LineageRecord>>()>;

// Errc::InvalidArgument for an address that is not loopback (without allow_remote) or does not
// parse.
Result<void> check_metrics_listen(const std::string& listen, bool allow_remote);

class MetricsEndpoint {
 public:
  // Reads a first snapshot, binds and starts serving. Errc::InvalidArgument (the address),
  // Errc::Io (bind: in use, permission), or the reader's error.
  static Result<std::unique_ptr<MetricsEndpoint>> start(MetricsEndpointOptions options, LineageLister reader,
                                                        core::Clock& clock);
  // Stops serving and the refresher thread.
  ~MetricsEndpoint();
  // Asks for a new snapshot soon (after a renewal pass). Thread-safe, never blocks on the store.
  void refresh();
  // The port bound (useful with port 0).
  int port() const noexcept;

  class Impl;

 private:
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace certkeep::lifecycle
