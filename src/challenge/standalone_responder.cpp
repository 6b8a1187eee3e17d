// SPDX-License-Identifier: Apache-2.0
#include "challenge/standalone_responder.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "challenge/http01_server.hpp"
#include "challenge/listen_address.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/port_lock.hpp"
#include "challenge/token.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"

namespace certkeep::challenge {

namespace {

constexpr std::size_t kMinRequestBytes = 64;

class StandaloneSolverImpl final : public StandaloneSolver {
 public:
  StandaloneSolverImpl(ListenAddress address, ResponderOptions options)
      : address_(std::move(address)), options_(std::move(options)) {}

  ~StandaloneSolverImpl() override {
    std::lock_guard lock(lifecycle_mutex_);
    stop_listening();
  }

  Result<void> present_one(const Challenge& challenge) override {
    CERTKEEP_TRY(check_http01_challenge(challenge));
    std::lock_guard lock(lifecycle_mutex_);
    if (!server_) CERTKEEP_TRY(start_listening());
    return memory_.present(challenge);
  }

  void cleanup_one(const Challenge& challenge) noexcept override {
    std::lock_guard lock(lifecycle_mutex_);
    memory_.cleanup(challenge);
    if (memory_.pending() == 0) stop_listening();
  }

  int port() const noexcept override { return port_.load(); }

 private:
  Result<void> start_listening() {
    const int backlog = static_cast<int>(std::clamp<std::size_t>(options_.max_connections, 16, SOMAXCONN));
    PortLock port_lock = CERTKEEP_TRY(take_port_lock());  // released on any early return
    SocketFd listener = CERTKEEP_TRY(bind_listener(address_, backlog));
    const int bound_port = local_port(listener.get());
    ServerLimits limits{options_.max_connections, options_.max_request_bytes, options_.read_timeout};
    // memory_ outlives server_: stop_listening() joins the thread before memory_ is destroyed.
    server_ = CERTKEEP_TRY(serve_http01(
        std::move(listener), limits, [this](std::string_view target) { return memory_.answer(target); }));
    port_lock_ = std::move(port_lock);
    port_.store(bound_port);
    core::log::info("HTTP-01 responder listening on " + address_.to_string() +
                    (address_.port == 0 ? " (port " + std::to_string(bound_port) + ")" : ""));
    return {};
  }

  // Another certkeep process on the same state directory may be answering its own challenges
  // on this port right now; its order finishes within seconds, so wait for it.
  Result<PortLock> take_port_lock() {
    if (options_.port_lock_dir.empty() || address_.port == 0) return PortLock();
    const auto path = options_.port_lock_dir / ("http01-port-" + std::to_string(address_.port) + ".lock");
    auto lock = PortLock::acquire(path, std::chrono::milliseconds::zero());
    if (!lock && lock.error().code() == Errc::Busy) {
      core::log::info("HTTP-01 port " + std::to_string(address_.port) +
                      " is in use by another certkeep process; waiting for it");
      lock = PortLock::acquire(path, options_.port_lock_wait);
    }
    return lock;
  }

  void stop_listening() noexcept {
    if (!server_) return;
    server_.reset();
    port_lock_.release();
    port_.store(0);
    core::log::info("HTTP-01 responder on " + address_.to_string() + " stopped");
  }

  const ListenAddress address_;
  const ResponderOptions options_;
  MemorySolver memory_;
  std::mutex lifecycle_mutex_;  // guards server_: start and stop never race
  std::unique_ptr<PollServer> server_;
  PortLock port_lock_;  // held exactly while server_ listens
  std::atomic<int> port_{0};
};

}  // namespace

Result<std::unique_ptr<StandaloneSolver>> StandaloneSolver::create(ResponderOptions options) {
  ListenAddress address = CERTKEEP_TRY(parse_listen_address(options.listen));
  if (options.max_connections == 0)
    return fail(Errc::InvalidArgument, "HTTP-01 responder: max_connections must be at least 1");
  if (options.max_request_bytes < kMinRequestBytes)
    return fail(Errc::InvalidArgument,
                "HTTP-01 responder: max_request_bytes must be at least " + std::to_string(kMinRequestBytes));
  if (options.read_timeout <= std::chrono::milliseconds::zero())
    return fail(Errc::InvalidArgument, "HTTP-01 responder: read_timeout must be positive");
  return std::unique_ptr<StandaloneSolver>(
      std::make_unique<StandaloneSolverImpl>(std::move(address), std::move(options)));
}

}  // namespace certkeep::challenge
