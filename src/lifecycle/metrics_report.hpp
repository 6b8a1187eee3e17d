// SPDX-License-Identifier: Apache-2.0
// What certkeep tells Prometheus, in cert-manager's naming style: per lineage its expiry,
// planned renewal, readiness, failures and deployment confirmation (from the store), and per
// process its ACME requests, hook runs, renewals and confirmations (counted as they happen).
// README.md's "Metrics" table lists every family; promtool checks the exposition.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "core/clock.hpp"
#include "http/transport.hpp"
#include "metrics/registry.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

// Counter and histogram names, declared in process_metrics().
inline constexpr const char* kAcmeRequests = "certkeep_acme_client_requests_total";
inline constexpr const char* kAcmeRequestDuration = "certkeep_acme_client_request_duration_seconds";
inline constexpr const char* kHookRuns = "certkeep_hook_runs_total";
inline constexpr const char* kRenewals = "certkeep_renewals_total";
inline constexpr const char* kConfirmations = "certkeep_confirmations_total";

// The process's registry, with every family above declared.
metrics::Registry& process_metrics();

// The `issuer` label: the ACME directory's host, "private-ca/NAME", or "imported".
std::string issuer_label(const store::LineageSettings& settings);

// The per-lineage families for `lineages` (summaries are enough), written into `out`.
void write_lineage_metrics(metrics::Exposition& out, const std::vector<store::LineageRecord>& lineages,
                           core::SystemTime now);

// The whole exposition: the lineages' families, then the process's.
std::string render_metrics(const std::vector<store::LineageRecord>& lineages, core::SystemTime now);

// A node_exporter textfile: written to a temporary file beside `file` (not named *.prom, so
// the collector never reads it half-written) and renamed over it, mode 0644. Errc::Io.
Result<void> write_metrics_file(const std::filesystem::path& file, const std::string& text);

// Wraps a CA transport so that each request is counted into kAcmeRequests and timed into
// kAcmeRequestDuration, labelled by host, endpoint, method and status.
std::unique_ptr<http::Transport> measure_requests(std::unique_ptr<http::Transport> inner,
                                                  std::string directory_url);

// The `endpoint` label of a request: "directory" for the directory URL, else the last path
// segment that names something rather than identifies it ("new-order", "authz-v3", "my-order",
// "finalize"), "other" when there is none or the host already has 32 such names.
std::string endpoint_label(std::string_view url, std::string_view directory_url);

}  // namespace certkeep::lifecycle
