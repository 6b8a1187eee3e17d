// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/manager_events.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include "core/log.hpp"

namespace certkeep::lifecycle {

Subscription EventHub::subscribe(Callback callback) {
  if (!callback) return Subscription();
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_.push_back({id, std::make_shared<const Callback>(std::move(callback))});
  }
  return Subscription([hub = weak_from_this(), id] {
    if (auto alive = hub.lock()) alive->remove(id);
  });
}

void EventHub::remove(std::uint64_t id) noexcept {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [id](const Entry& entry) { return entry.id == id; });
}

std::size_t EventHub::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void EventHub::notify(const std::vector<Event>& events) const noexcept {
  if (events.empty()) return;
  std::vector<Entry> entries;
  try {
    std::lock_guard lock(mutex_);
    entries = entries_;  // call outside the lock: a callback may (un)subscribe
  } catch (...) {
    return;
  }
  for (const Event& event : events) {
    for (const Entry& entry : entries) {
      try {
        (*entry.callback)(event);
      } catch (const std::exception& error) {
        core::log::warn(std::string("certificate event subscriber threw: ") + error.what());
      } catch (...) {
        core::log::warn("certificate event subscriber threw");
      }
    }
  }
}

}  // namespace certkeep::lifecycle
