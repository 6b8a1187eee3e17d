// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/metrics_report.hpp"

#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "deploy/atomic_file.hpp"

namespace certkeep::lifecycle {

namespace {

double seconds_of(core::SystemTime time) { return static_cast<double>(core::to_unix(time)); }

std::string host_of(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

// A path segment that names a resource kind: letters with inner '-' or '_', at most 24
// characters, optionally versioned ("authz-v3"). IDs (numbers, tokens, serials) are not.
bool is_resource_word(std::string_view segment) {
  if (segment.empty() || segment.size() > 24) return false;
  std::string_view word = segment;
  if (auto version = word.rfind("-v"); version != std::string_view::npos && version + 2 < word.size()) {
    bool digits = true;
    for (char c : word.substr(version + 2)) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) word = word.substr(0, version);
  }
  if (!std::isalpha(static_cast<unsigned char>(word.front())) ||
      !std::isalpha(static_cast<unsigned char>(word.back())))
    return false;
  for (char c : word)
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

class MeasuredTransport final : public http::Transport {
 public:
  MeasuredTransport(std::unique_ptr<http::Transport> inner, std::string directory_url)
      : inner_(std::move(inner)), directory_url_(std::move(directory_url)) {}

  Result<http::Response> send(const http::Request& request) override {
    const auto started = std::chrono::steady_clock::now();
    auto response = inner_->send(request);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    const std::string host = host_of(request.url);
    const std::string endpoint = endpoint_label(request.url, directory_url_);
    const std::string status = response ? std::to_string(response->status) : "error";
    metrics::Registry& registry = process_metrics();
    registry.add(kAcmeRequests,
                 {{"host", host}, {"endpoint", endpoint}, {"method", request.method}, {"status", status}});
    registry.observe(kAcmeRequestDuration,
                     {{"host", host}, {"endpoint", endpoint}, {"method", request.method}}, took.count());
    return response;
  }
  http::TransportStats stats() const override { return inner_->stats(); }

 private:
  std::unique_ptr<http::Transport> inner_;
  std::string directory_url_;
};

void lineage_gauge(metrics::Exposition& out, const char* name, const char* help,
                   const std::vector<store::LineageRecord>& lineages,
                   const std::function<std::optional<double>(const store::LineageRecord&)>& value) {
  bool started = false;
  for (const store::LineageRecord& lineage : lineages) {
    auto v = value(lineage);
    if (!v) continue;
    if (!started) out.family(name, help, metrics::MetricType::Gauge);
    started = true;
    out.sample(name, {{"name", lineage.name}, {"issuer", issuer_label(lineage.settings)}}, *v);
  }
}

}  // namespace

metrics::Registry& process_metrics() {
  static metrics::Registry* registry = [] {
    auto* made = new metrics::Registry();
    made->describe(kAcmeRequests, "Requests sent to ACME servers, by host, endpoint, method and HTTP status.",
                   metrics::MetricType::Counter);
    made->describe(kAcmeRequestDuration, "Time taken by requests to ACME servers, in seconds.",
                   metrics::MetricType::Histogram, metrics::duration_buckets());
    made->describe(kHookRuns,
                   "Hook runs and HAProxy hand-overs, by kind (deploy, notify, haproxy) and result.",
                   metrics::MetricType::Counter);
    made->describe(kRenewals, "Issuances and renewals attempted by this process, by result.",
                   metrics::MetricType::Counter);
    made->describe(kConfirmations, "Deployment confirmations (TLS probes after a deploy), by result.",
                   metrics::MetricType::Counter);
    return made;
  }();
  return *registry;
}

std::string issuer_label(const store::LineageSettings& settings) {
  switch (settings.issuer_kind) {
    case store::IssuerKind::Acme: return host_of(settings.directory_url);
    case store::IssuerKind::PrivateCa: return "private-ca/" + settings.ca_name;
    case store::IssuerKind::Imported: return "imported";
  }
  return "unknown";
}

void write_lineage_metrics(metrics::Exposition& out, const std::vector<store::LineageRecord>& lineages,
                           core::SystemTime now) {
  lineage_gauge(out, "certkeep_certificate_expiration_timestamp_seconds",
                "The date after which the certificate expires (notAfter), as a Unix time.", lineages,
                [](const store::LineageRecord& l) -> std::optional<double> {
                  if (l.serial.empty() || !l.not_after) return std::nullopt;
                  return seconds_of(*l.not_after);
                });
  lineage_gauge(
      out, "certkeep_certificate_renewal_timestamp_seconds",
      "When certkeep plans to renew the certificate, as a Unix time.", lineages,
      [](const store::LineageRecord& l) -> std::optional<double> {
        if (l.serial.empty() || !l.renew_at || l.settings.issuer_kind == store::IssuerKind::Imported)
          return std::nullopt;
        return seconds_of(*l.renew_at);
      });
  lineage_gauge(out, "certkeep_certificate_consecutive_failures",
                "Failed issuance or renewal attempts since the last success.", lineages,
                [](const store::LineageRecord& l) -> std::optional<double> { return l.attempts; });
  lineage_gauge(out, "certkeep_certificate_last_success_timestamp_seconds",
                "The last successful issuance or renewal, as a Unix time.", lineages,
                [](const store::LineageRecord& l) -> std::optional<double> {
                  if (!l.last_success_at) return std::nullopt;
                  return seconds_of(*l.last_success_at);
                });
  lineage_gauge(out, "certkeep_certificate_last_failure_timestamp_seconds",
                "The last failed issuance or renewal attempt, as a Unix time.", lineages,
                [](const store::LineageRecord& l) -> std::optional<double> {
                  if (!l.last_failure_at) return std::nullopt;
                  return seconds_of(*l.last_failure_at);
                });
  lineage_gauge(out, "certkeep_certificate_confirmation_timestamp_seconds",
                "When the lineage's servers were last probed for the deployed serial, as a Unix time.",
                lineages, [](const store::LineageRecord& l) -> std::optional<double> {
                  if (!l.confirmed_at) return std::nullopt;
                  return seconds_of(*l.confirmed_at);
                });
  if (lineages.empty()) return;
  const char* confirmation = "certkeep_certificate_confirmation_status";
  out.family(confirmation,
             "The last deployment confirmation of the current certificate: confirmed (every server "
             "serves it), stale (one serves another or none answers), none (no confirm target, or "
             "not probed since the certificate changed).",
             metrics::MetricType::Gauge);
  for (const store::LineageRecord& l : lineages) {
    // A verdict about an older certificate says nothing about the current one.
    std::string state = "none";
    if (l.confirmation != store::ConfirmationState::None && l.confirmed_serial == l.serial)
      state = std::string(store::to_string(l.confirmation));
    for (const char* each : {"confirmed", "stale", "none"})
      out.sample(confirmation, {{"name", l.name}, {"issuer", issuer_label(l.settings)}, {"state", each}},
                 state == each ? 1 : 0);
  }
  const char* ready = "certkeep_certificate_ready_status";
  out.family(ready,
             "Whether the certificate is valid and deployed (condition True), is not (False: expired, "
             "failed, revoked, its files or hook owed), or has none yet (Unknown).",
             metrics::MetricType::Gauge);
  for (const store::LineageRecord& l : lineages) {
    std::string condition = "False";
    if (l.serial.empty())
      condition = "Unknown";
    else if (l.not_after && *l.not_after > now && l.status != store::LineageStatus::Revoked &&
             !l.deployment_owed())
      condition = "True";
    for (const char* each : {"True", "False", "Unknown"})
      out.sample(ready, {{"name", l.name}, {"issuer", issuer_label(l.settings)}, {"condition", each}},
                 condition == each ? 1 : 0);
  }
}

std::string render_metrics(const std::vector<store::LineageRecord>& lineages, core::SystemTime now) {
  metrics::Exposition out;
  write_lineage_metrics(out, lineages, now);
  process_metrics().write(out);
  return out.text();
}

Result<void> write_metrics_file(const std::filesystem::path& file, const std::string& text) {
  auto written = deploy::write_file_atomically(file, text, 0644);
  if (!written) return fail(std::move(written).error().with_context("--metrics-file"));
  return {};
}

std::unique_ptr<http::Transport> measure_requests(std::unique_ptr<http::Transport> inner,
                                                  std::string directory_url) {
  return std::make_unique<MeasuredTransport>(std::move(inner), std::move(directory_url));
}

std::string endpoint_label(std::string_view url, std::string_view directory_url) {
  if (url == directory_url) return "directory";
  const std::string host = host_of(url);
  std::string_view path = url.substr(std::min(url.size(), url.find(host) + host.size()));
  path = path.substr(0, path.find_first_of("?#"));
  std::string word;
  while (!path.empty()) {
    const auto slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (is_resource_word(segment)) word = std::string(segment);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (word.empty()) return "other";
  // A CA whose IDs look like words must not grow the label set without bound.
  static std::mutex mutex;
  static std::map<std::string, std::set<std::string>> seen;
  std::lock_guard lock(mutex);
  std::set<std::string>& words = seen[host];
  if (words.count(word) == 0 && words.size() >= 32) return "other";
  words.insert(word);
  return word;
}

}  // namespace certkeep::lifecycle
