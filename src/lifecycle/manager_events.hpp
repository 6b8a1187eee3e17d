// SPDX-License-Identifier: Apache-2.0
// EventHub: the Manager's subscriber list. Subscriptions hold it weakly, so one may outlive
// the Manager; callbacks run without the hub's lock, so one may unsubscribe itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "certkeep/event.hpp"

namespace certkeep::lifecycle {

// Thread-safe. Create with std::make_shared (subscribe() hands out weak references).
class EventHub : public std::enable_shared_from_this<EventHub> {
 public:
  using Callback = std::function<void(const Event&)>;

  Subscription subscribe(Callback callback);
  // Calls every current subscriber with each event, in order, on this thread. A callback
  // that throws is logged and skipped; the others still run.
  void notify(const std::vector<Event>& events) const noexcept;
  std::size_t size() const;

 private:
  struct Entry {
    std::uint64_t id;
    std::shared_ptr<const Callback> callback;
  };
  void remove(std::uint64_t id) noexcept;

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  std::uint64_t next_id_ = 1;
};

}  // namespace certkeep::lifecycle
