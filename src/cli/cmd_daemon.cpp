// SPDX-License-Identifier: Apache-2.0
// `certkeep daemon`: the long-running renewal service (systemd Type=notify). SIGHUP rescans,
// SIGTERM/SIGINT stop at a safe point. Signals are taken by one thread with sigwait, so no
// work happens in a signal handler.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/service_notify.hpp"
#include "core/start_thread.hpp"
#include "lifecycle/metrics_endpoint.hpp"
#include "lifecycle/scheduler.hpp"

namespace certkeep::cli {

namespace {

// A failed notification must not stop the renewals: the manager merely sees less (a missed
// keep-alive is its to judge), so it is logged and the daemon goes on.
void notify_manager(std::string_view state) {
  auto sent = core::notify_service_manager(state);
  if (!sent) core::log::warn("cannot notify the service manager: " + sent.error().to_string());
}

class DaemonCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* cmd = app.add_subcommand("daemon", "Keep renewing certificates until stopped");
    cmd->add_option("--recheck", recheck_seconds_, "Longest sleep between checks, in seconds (default 3600)")
        ->check(CLI::Range(1, 86400));
    cmd->add_option("--concurrency", concurrency_, "Lineages renewed at once (default 4)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--lease-ttl", lease_ttl_seconds_,
                    "How long a renewal's lease lasts without a heartbeat, in seconds: a fleet's renewer "
                    "that stops is taken over after it (default: the order's poll deadline + 300)")
        ->check(CLI::Range(1, 86400));
    cmd->add_option(
        "--metrics-listen", metrics_listen_,
        "Serve Prometheus metrics at http://ADDR:PORT/metrics (loopback only, e.g. 127.0.0.1:9817)");
    cmd->add_flag("--metrics-allow-remote", metrics_allow_remote_,
                  "Let --metrics-listen take a non-loopback address (the metrics name every certificate)");
    return cmd;
  }

  int run(const GlobalOptions& global, const Output& out) override {
    // Block the signals before any thread starts, so only the signal thread receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR1);  // internal: wakes the signal thread at shutdown
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // One journald-friendly line per event.
    if (!global.quiet && !global.verbose) core::log::set_level(core::log::Level::Info);
    if (!metrics_listen_.empty()) {
      if (auto checked = lifecycle::check_metrics_listen(metrics_listen_, metrics_allow_remote_); !checked)
        return out.error(checked.error());
    }
    auto app = open_app(global, out, /*verify_store=*/true, std::chrono::seconds(lease_ttl_seconds_));
    if (!app) return out.error(app.error());
    std::unique_ptr<lifecycle::MetricsEndpoint> metrics;
    if (!metrics_listen_.empty()) {
      // The endpoint reads through a store connection of its own (it runs on its own thread).
      auto started = lifecycle::MetricsEndpoint::start(
          {.listen = metrics_listen_, .allow_remote = metrics_allow_remote_},
          [app = app->get(),
           store = std::shared_ptr<store::Store>()]() mutable -> Result<std::vector<store::LineageRecord>> {
            if (!store) {
              auto opened = app->open_store_connection();
              if (!opened) return tl::unexpected(opened.error());
              store = std::move(*opened);
            }
            return store->list_lineage_summaries();
          },
          (*app)->services().clock);
      if (!started) return out.error(started.error());
      metrics = std::move(*started);
      core::log::info("metrics at http://" + metrics_listen_ + "/metrics");
    }
    lifecycle::SchedulerOptions options;
    if (metrics) options.after_pass = [&metrics](const lifecycle::RenewSummary&) { metrics->refresh(); };
    options.recheck_interval = std::chrono::seconds(recheck_seconds_);
    options.concurrency = concurrency_;
    options.status = [](const std::string& status) {
      core::log::info(status);
      notify_manager("STATUS=" + status);
    };
    lifecycle::Scheduler scheduler(**app, options);

    std::atomic<bool> done{false};
    auto signal_thread = core::start_thread("daemon signals", [&] {
      while (!done) {
        int received = 0;
        if (sigwait(&signals, &received) != 0) continue;
        if (received == SIGHUP) {
          core::log::info("SIGHUP: rescanning the store");
          scheduler.rescan();
        } else if (received == SIGTERM || received == SIGINT) {
          core::log::info("stopping");
          notify_manager("STOPPING=1");
          scheduler.stop();
        }
      }
    });
    if (!signal_thread) return out.error(signal_thread.error());
    // Stops the signal thread (it waits in sigwait) and joins it; on every way out.
    auto stop_signal_thread = [&] {
      done = true;
      pthread_kill(signal_thread->native_handle(), SIGUSR1);
      signal_thread->join();
    };
    std::thread watchdog_thread;
    // Keep-alives at half the timeout, as sd_watchdog_enabled(3) recommends.
    if (const auto timeout = core::watchdog_interval()) {
      auto started = core::start_thread("daemon watchdog", [&, interval = *timeout / 2] {
        auto token = scheduler.stop_token();
        while (!token.stop_requested() && !done) {
          notify_manager("WATCHDOG=1");
          core::system_clock().sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(interval),
                                         token);
        }
      });
      if (!started) {
        stop_signal_thread();
        return out.error(started.error());
      }
      watchdog_thread = std::move(*started);
    }
    notify_manager("READY=1\nSTATUS=started");
    core::log::info("certkeep daemon started, state " + (*app)->state_dir().string());

    auto ran = scheduler.run();
    scheduler.stop();
    stop_signal_thread();
    if (watchdog_thread.joinable()) watchdog_thread.join();
    if (!ran) return out.error(ran.error());
    core::log::info("certkeep daemon stopped");
    return kExitSuccess;
  }

 private:
  int recheck_seconds_ = 3600;
  int concurrency_ = 4;
  int lease_ttl_seconds_ = 0;  // 0: the default
  std::string metrics_listen_;
  bool metrics_allow_remote_ = false;
};

}  // namespace

std::unique_ptr<Command> make_daemon_command() { return std::make_unique<DaemonCommand>(); }

}  // namespace certkeep::cli
