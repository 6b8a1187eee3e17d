// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/lineage_reader.hpp"

#include <algorithm>

#include "core/result_macros.hpp"

namespace certkeep::lifecycle {

bool is_servable(const store::LineageRecord& lineage) {
  return !lineage.serial.empty() && lineage.status != store::LineageStatus::Revoked;
}

StoreLineageReader::StoreLineageReader(StoreFactory open_store, std::size_t max_connections)
    : open_store_(std::move(open_store)), max_connections_(std::max<std::size_t>(max_connections, 1)) {}

StoreLineageReader::~StoreLineageReader() = default;

Result<std::unique_ptr<store::Store>> StoreLineageReader::acquire() {
  std::unique_lock lock(mutex_);
  idle_changed_.wait(lock, [this] { return !idle_.empty() || open_ < max_connections_; });
  if (!idle_.empty()) {
    std::unique_ptr<store::Store> store = std::move(idle_.back());
    idle_.pop_back();
    return store;
  }
  ++open_;
  lock.unlock();
  auto opened = open_store_();  // opened outside the lock: other readers keep reading
  if (!opened) release(nullptr, false);
  return opened;
}

void StoreLineageReader::release(std::unique_ptr<store::Store> store, bool healthy) {
  {
    std::lock_guard lock(mutex_);
    if (healthy && store)
      idle_.push_back(std::move(store));
    else
      --open_;
  }
  idle_changed_.notify_one();
}

Result<std::optional<store::LineageRecord>> StoreLineageReader::read(const std::string& lineage) {
  std::unique_ptr<store::Store> store = CERTKEEP_TRY(acquire());
  auto record = store->find_lineage(lineage);
  release(std::move(store), record.has_value());
  return record;
}

Result<void> StoreLineageReader::for_each_servable(const std::function<void(const ServableLineage&)>& visit) {
  std::unique_ptr<store::Store> store = CERTKEEP_TRY(acquire());
  // The store's narrow servable_lineages rows, a page at a time: a pass over a million
  // lineages never holds their certificates' rows, nor all of them at once.
  std::vector<std::string_view> identifiers;
  auto pass = store->for_each_servable_lineage([&](const store::ServableLineageRecord& lineage) {
    identifiers.assign(lineage.identifiers.begin(), lineage.identifiers.end());
    visit(ServableLineage{.name = lineage.name,
                          .identifiers = identifiers,
                          .serial = lineage.serial,
                          .not_after = lineage.not_after.value_or(core::SystemTime{})});
  });
  release(std::move(store), pass.has_value());
  return pass;
}

}  // namespace certkeep::lifecycle
