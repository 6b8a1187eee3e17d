// SPDX-License-Identifier: Apache-2.0
// Manager::Impl, the serving half: what handshakes get (the managed table, then serve-all),
// publishing one lineage at a time, the renewal thread's pass (one store question for what is
// due, then only those lineages), its sleep from the in-memory schedule, and changes made
// elsewhere (lineage_changed, the periodic reconciliation).
#include <algorithm>
#include <unordered_set>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "deploy/tls_swap.hpp"
#include "lifecycle/manager_impl.hpp"

namespace certkeep {

std::shared_ptr<const CertifiedKey> Manager::Impl::certificate(std::string_view server_name) const {
  if (auto managed = table_.find(server_name)) return managed;
  if (served_ && !server_name.empty()) return served_->certificate(server_name);
  return nullptr;
}

void Manager::Impl::publish(const store::LineageRecord& record, bool changed, std::vector<Event>& events) {
  if (is_managed(record.name)) {
    {
      std::lock_guard lock(managed_mutex_);
      schedule_.set(record.name, lifecycle::next_work_time(record));
    }
    // Never issued, or only a failure recorded: keep serving the last certificate.
    const auto current = table_.of_lineage(record.name);
    if (!record.cert_pem.empty() && (!current || current->serial() != record.serial)) {
      auto snapshot =
          deploy::make_certified_key(record.name, record.cert_pem, record.chain_pem, record.key_pem.view());
      if (!snapshot) {
        events.push_back(failed_event(record.name, std::move(snapshot).error().with_context("load " + record.name)));
      } else {
        events.push_back(Event{current ? EventKind::Renewed : EventKind::Issued, record.name, (*snapshot)->serial(),
                               std::nullopt, clock_.now()});
        table_.put(*snapshot);
        if (served_) served_->apply(record, *snapshot);
        return;
      }
    }
  }
  if (served_ && changed) served_->apply(record, nullptr);
}

void Manager::Impl::reload(const std::string& lineage, std::vector<Event>& events) {
  std::lock_guard publishing(publish_mutex_);
  auto record = app_->services().store.find_lineage(lineage);
  if (!record) {
    core::log::warn("reload " + lineage + ": " + record.error().to_string());
    return;
  }
  if (!*record) {
    // Removed: a managed lineage keeps serving its last certificate.
    if (served_) served_->lineage_removed(lineage);
    return;
  }
  publish(**record, true, events);
}

Result<void> Manager::Impl::lineage_changed(const std::string& lineage) {
  std::vector<Event> events;
  {
    std::lock_guard publishing(publish_mutex_);
    auto record = CERTKEEP_TRY(reader_->read(lineage));
    if (!record) {
      if (served_) served_->lineage_removed(lineage);
    } else {
      publish(*record, true, events);
    }
  }
  if (is_managed(lineage)) {
    // Its due time may have moved: the renewal thread recomputes its sleep.
    std::lock_guard lock(thread_mutex_);
    wake_requested_ = true;
  }
  wake_.notify_all();
  hub_->notify(events);
  return {};
}

void Manager::Impl::lineage_removed(const std::string& lineage) {
  if (served_) served_->lineage_removed(lineage);
}

void Manager::Impl::renew_due(std::vector<Event>& events) {
  // One question to the store (its indexed due, deploy-owed and renewalInfo queries), answered
  // for the lineages this Manager manages; the rest are someone else's to renew.
  auto summary = app_->renew(lifecycle::RenewSelection{
      .concurrency = 1, .include = [this](const std::string& lineage) { return is_managed(lineage); }});
  std::unordered_set<std::string> attempted;
  if (!summary) {
    core::log::warn("renewal pass: " + summary.error().to_string());
  } else {
    for (const lifecycle::RenewResult& result : summary->results) {
      attempted.insert(result.lineage);
      if (result.error && result.error->code() != Errc::Cancelled)
        events.push_back(failed_event(result.lineage, result.error->with_context("renew " + result.lineage)));
    }
  }
  for (const std::string& lineage : attempted) reload(lineage, events);
  // Lineages the schedule had due that the store did not select: another process renewed them
  // or recorded something (e.g. `certkeep renew` from the timer). Read them again.
  std::vector<std::string> due;
  {
    std::lock_guard lock(managed_mutex_);
    due = schedule_.due_by(clock_.now());
  }
  for (const std::string& lineage : due)
    if (!attempted.contains(lineage)) reload(lineage, events);
}

void Manager::Impl::reconcile(std::vector<Event>& events) {
  const core::SystemTime now = clock_.now();
  if (last_reconcile_ && now - *last_reconcile_ < options_.check_interval) return;
  last_reconcile_ = now;
  // One pass over the store: managed lineages another process renewed (a serial other than the
  // one served) are read again; with serve-all, the index is rebuilt in the same pass.
  std::vector<std::string> changed;
  auto check = [&](const lifecycle::ServableLineage& row) {
    if (!is_managed(std::string(row.name))) return;
    const auto served = table_.of_lineage(row.name);
    if (!served || served->serial() != row.serial) changed.emplace_back(row.name);
  };
  Result<void> pass = served_ ? served_->resynchronize(check) : reader_->for_each_servable(check);
  if (!pass) core::log::warn("reconcile with the store: " + pass.error().to_string());
  for (const std::string& lineage : changed) reload(lineage, events);
}

std::chrono::milliseconds Manager::Impl::next_sleep() {
  const core::SystemTime now = clock_.now();
  std::optional<core::SystemTime> earliest;
  {
    std::lock_guard lock(managed_mutex_);
    earliest = schedule_.earliest();
  }
  auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(options_.check_interval);
  if (last_reconcile_)
    sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::milliseconds>(
                                *last_reconcile_ + options_.check_interval - now));
  if (earliest) sleep = std::min(sleep, std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - now));
  return std::max(sleep, min_sleep_);
}

std::chrono::milliseconds Manager::Impl::run_pass() {
  std::vector<Event> events;
  std::chrono::milliseconds sleep;
  {
    std::lock_guard work(work_mutex_);
    renew_due(events);
    reconcile(events);
    sleep = next_sleep();
  }
  hub_->notify(events);
  return sleep;
}

ServingStats Manager::Impl::serving_stats() const {
  ServingStats stats;
  stats.managed = table_.lineage_count();
  if (!served_) return stats;
  const lifecycle::ServedLineages::Stats served = served_->stats();
  stats.indexed_lineages = served.index.lineages;
  stats.indexed_names = served.index.names;
  stats.index_bytes = served.index.bytes;
  stats.cached = served.cache.cached;
  stats.cache_bytes = served.cache.bytes;
  stats.cache_hits = served.cache.hits;
  stats.loads = served.cache.loads;
  stats.failed_loads = served.cache.failed_loads;
  stats.evictions = served.cache.evictions;
  return stats;
}

}  // namespace certkeep
