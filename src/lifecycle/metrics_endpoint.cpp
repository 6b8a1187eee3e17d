// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/metrics_endpoint.hpp"

#include <arpa/inet.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "challenge/http01_server.hpp"
#include "challenge/listen_address.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/start_thread.hpp"
#include "lifecycle/metrics_report.hpp"

namespace certkeep::lifecycle {

namespace {

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

// Prometheus' text format 0.0.4.
constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

Result<void> check_metrics_listen(const std::string& listen, bool allow_remote) {
  auto address = challenge::parse_listen_address(listen);
  if (!address)
    return fail(Errc::InvalidArgument, "--metrics-listen " + listen + ": " + address.error().message());
  if (!allow_remote && !is_loopback(address->host))
    return fail(Errc::InvalidArgument,
                "--metrics-listen " + listen +
                    ": not a loopback address (127.0.0.0/8, [::1]); metrics name every certificate, so "
                    "another address needs --metrics-allow-remote");
  return {};
}

class MetricsEndpoint::Impl {
 public:
  Impl(MetricsEndpointOptions options, LineageLister reader, core::Clock& clock)
      : options_(std::move(options)), reader_(std::move(reader)), clock_(clock) {}

  ~Impl() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_all();
    }
    server_.reset();  // no scrape can ask for a refresh after this
    if (refresher_.joinable()) refresher_.join();
  }

  Result<void> start() {
    CERTKEEP_TRY(read_snapshot());
    auto address = CERTKEEP_TRY(challenge::parse_listen_address(options_.listen));
    challenge::SocketFd listener = CERTKEEP_TRY(challenge::bind_listener(address, 16));
    port_ = challenge::local_port(listener.get());
    refresher_ = CERTKEEP_TRY(core::start_thread("metrics refresh", [this] { refresh_loop(); }));
    challenge::ServerLimits limits;
    limits.max_connections = options_.max_connections;
    limits.max_request_bytes = 4096;
    limits.read_timeout = options_.read_timeout;
    limits.content_type = kContentType;
    server_ = CERTKEEP_TRY(challenge::serve_http01(
        std::move(listener), limits, [this](std::string_view target) { return answer(target); }, "metrics endpoint"));
    return {};
  }

  void refresh() {
    std::lock_guard lock(mutex_);
    refresh_requested_ = true;
    wake_.notify_all();
  }

  int port() const noexcept { return port_; }

 private:
  // On the server thread: the snapshot and the process counters, never the store.
  std::optional<std::string> answer(std::string_view target) {
    if (target != "/metrics" && target.rfind("/metrics?", 0) != 0) return std::nullopt;
    std::shared_ptr<const std::string> lineages;
    {
      std::lock_guard lock(mutex_);
      lineages = snapshot_;
      if (std::chrono::steady_clock::now() - snapshot_at_ >= options_.max_age) {
        refresh_requested_ = true;
        wake_.notify_all();
      }
    }
    metrics::Exposition process;
    process_metrics().write(process);
    return *lineages + process.text();
  }

  Result<void> read_snapshot() {
    std::vector<store::LineageRecord> lineages = CERTKEEP_TRY(reader_());
    metrics::Exposition out;
    write_lineage_metrics(out, lineages, clock_.now());
    auto text = std::make_shared<const std::string>(out.text());
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(text);
    snapshot_at_ = std::chrono::steady_clock::now();
    return {};
  }

  void refresh_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || refresh_requested_; });
      if (stopping_) return;
      refresh_requested_ = false;
      lock.unlock();
      if (auto read = read_snapshot(); !read)
        core::log::warn("metrics: cannot read the lineages: " + read.error().to_string());
      lock.lock();
    }
  }

  MetricsEndpointOptions options_;
  LineageLister reader_;
  core::Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool refresh_requested_ = false;
  std::shared_ptr<const std::string> snapshot_ = std::make_shared<const std::string>();
  std::chrono::steady_clock::time_point snapshot_at_{};
  int port_ = 0;
  std::thread refresher_;
  std::unique_ptr<challenge::PollServer> server_;
};

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::start(MetricsEndpointOptions options,
                                                                LineageLister reader, core::Clock& clock) {
  CERTKEEP_TRY(check_metrics_listen(options.listen, options.allow_remote));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(reader), clock);
  CERTKEEP_TRY(impl->start());
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsEndpoint::~MetricsEndpoint() = default;
void MetricsEndpoint::refresh() { impl_->refresh(); }
int MetricsEndpoint::port() const noexcept { return impl_->port(); }

}  // namespace certkeep::lifecycle
