// SPDX-License-Identifier: Apache-2.0
// Process-wide totals of HTTP requests sent and TLS connections opened by every transport the
// lifecycle created, for `certkeep --stats` and the benchmarks ("the protocol minimum").
#pragma once

#include <memory>

#include "http/transport.hpp"

namespace certkeep::lifecycle {

// Wraps `inner` so that its counters are added to the process totals when it is destroyed.
std::unique_ptr<http::Transport> count_into_totals(std::unique_ptr<http::Transport> inner);

// Totals of every counted transport destroyed so far.
http::TransportStats transport_totals() noexcept;

}  // namespace certkeep::lifecycle
