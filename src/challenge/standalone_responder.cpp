// SPDX-License-Identifier: Apache-2.0
#include "challenge/standalone_responder.hpp"

#include <mutex>

#include "challenge/http01_server.hpp"
#include "challenge/memory_solver.hpp"
#include "challenge/responder_port.hpp"
#include "challenge/token.hpp"
#include "core/result_macros.hpp"

namespace certkeep::challenge {

namespace {

constexpr std::size_t kMinRequestBytes = 64;

class StandaloneSolverImpl final : public StandaloneSolver {
 public:
  StandaloneSolverImpl(ListenAddress address, ResponderOptions options)
      : options_(std::move(options)),
        port_(ResponderPortOptions{"HTTP-01", "http01-port", std::move(address), options_.port_lock_dir,
                                   options_.port_lock_wait, options_.max_connections}) {}

  ~StandaloneSolverImpl() override {
    std::lock_guard lock(lifecycle_mutex_);
    port_.close();  // the server thread reads memory_: stopped first
  }

  Result<void> present_one(const Challenge& challenge) override {
    CERTKEEP_TRY(check_http01_challenge(challenge));
    std::lock_guard lock(lifecycle_mutex_);
    CERTKEEP_TRY(port_.open([this](SocketFd listener) {
      ServerLimits limits{options_.max_connections, options_.max_request_bytes, options_.read_timeout};
      return serve_http01(std::move(listener), limits,
                          [this](std::string_view target) { return memory_.answer(target); });
    }));
    return memory_.present(challenge);
  }

  void cleanup_one(const Challenge& challenge) noexcept override {
    std::lock_guard lock(lifecycle_mutex_);
    memory_.cleanup(challenge);
    if (memory_.pending() == 0) port_.close();
  }

  int port() const noexcept override { return port_.port(); }

 private:
  const ResponderOptions options_;
  MemorySolver memory_;
  std::mutex lifecycle_mutex_;  // guards port_: start and stop never race
  ResponderPort port_;
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
