// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/transport_totals.hpp"

#include <atomic>

namespace certkeep::lifecycle {

namespace {

std::atomic<std::size_t> total_requests{0};
std::atomic<std::size_t> total_connections{0};

class CountedTransport final : public http::Transport {
 public:
  explicit CountedTransport(std::unique_ptr<http::Transport> inner) : inner_(std::move(inner)) {}
  ~CountedTransport() override {
    const http::TransportStats stats = inner_->stats();
    total_requests += stats.requests;
    total_connections += stats.connections_opened;
  }
  Result<http::Response> send(const http::Request& request) override { return inner_->send(request); }
  http::TransportStats stats() const override { return inner_->stats(); }

 private:
  std::unique_ptr<http::Transport> inner_;
};

}  // namespace

std::unique_ptr<http::Transport> count_into_totals(std::unique_ptr<http::Transport> inner) {
  return std::make_unique<CountedTransport>(std::move(inner));
}

http::TransportStats transport_totals() noexcept { return {total_requests.load(), total_connections.load()}; }

}  // namespace certkeep::lifecycle
