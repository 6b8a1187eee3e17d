// SPDX-License-Identifier: Apache-2.0
// LineageReader: what serving certificates needs from the store, from any thread — one lineage
// with its certificate (a handshake's cold load, a change), and one pass over every servable
// lineage's names (the serve-all name index). StoreLineageReader answers it from a small pool
// of store connections of its own, so reads never wait for the Manager's renewal work (which
// holds the App's connection for a whole ACME order).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/result.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

// One row of the index pass: borrowed views, valid during the visit only.
struct ServableLineage {
  std::string_view name;
  std::span<const std::string_view> identifiers;
  std::string_view serial;
  core::SystemTime not_after{};
};

// A lineage is served when it has a certificate and is not revoked.
bool is_servable(const store::LineageRecord& lineage);

// Thread-safe: any number of threads may call both methods at once.
class LineageReader {
 public:
  virtual ~LineageReader() = default;
  // The lineage with its key, certificate and chain; nullopt when the store has no such lineage.
  virtual Result<std::optional<store::LineageRecord>> read(const std::string& lineage) = 0;
  // Calls `visit` once per servable lineage, in pages of the store's reads (see
  // Store::for_each_servable_lineage: a lineage changed meanwhile is seen as it was or became).
  virtual Result<void> for_each_servable(const std::function<void(const ServableLineage&)>& visit) = 0;
};

// Up to `max_connections` store connections, opened on first need by `open_store` and kept;
// a read takes an idle one (or waits for one) only for the read itself. A connection whose read
// failed is closed, so the next read opens a new one (a store that went away and came back).
class StoreLineageReader final : public LineageReader {
 public:
  using StoreFactory = std::function<Result<std::unique_ptr<store::Store>>()>;
  StoreLineageReader(StoreFactory open_store, std::size_t max_connections);
  ~StoreLineageReader() override;

  Result<std::optional<store::LineageRecord>> read(const std::string& lineage) override;
  Result<void> for_each_servable(const std::function<void(const ServableLineage&)>& visit) override;

 private:
  Result<std::unique_ptr<store::Store>> acquire();
  void release(std::unique_ptr<store::Store> store, bool healthy);

  const StoreFactory open_store_;
  const std::size_t max_connections_;
  std::mutex mutex_;
  std::condition_variable idle_changed_;
  std::vector<std::unique_ptr<store::Store>> idle_;
  std::size_t open_ = 0;  // connections in use or idle
};

}  // namespace certkeep::lifecycle
