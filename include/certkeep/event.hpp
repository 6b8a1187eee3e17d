// SPDX-License-Identifier: Apache-2.0
// Events a Manager reports when a managed certificate changes or a renewal fails, and the
// Subscription handle that keeps a callback registered.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "certkeep/error.hpp"

namespace certkeep {

enum class EventKind {
  Issued,  // the Manager serves a lineage's certificate for the first time (new, or found valid in the store)
  Renewed,  // a served certificate was replaced (renewal, new names); new handshakes already get it
  Failed,   // issuing or renewing failed; the previous certificate (if any) is still served
};

constexpr std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::Issued: return "issued";
    case EventKind::Renewed: return "renewed";
    case EventKind::Failed: return "failed";
  }
  return "failed";
}

struct Event {
  EventKind kind = EventKind::Issued;
  std::string name;    // the lineage's name
  std::string serial;  // uppercase hex serial now served; for Failed, the one still served (may be empty)
  std::optional<Error> error;  // set for Failed, with the CA's problem document when the CA refused
  std::chrono::system_clock::time_point at;
};

// Keeps a callback registered; destroying or reset()ting it unregisters the callback.
// Move-only. It may outlive the Manager that made it (then reset() does nothing).
// A call already running on another thread may still finish after reset() returns; reset()
// from inside the callback itself is allowed.
class Subscription {
 public:
  Subscription() = default;
  explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  Subscription(Subscription&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { reset(); }

  void reset() noexcept {
    if (auto cancel = std::exchange(cancel_, nullptr)) cancel();
  }
  explicit operator bool() const noexcept { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace certkeep
