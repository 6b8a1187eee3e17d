// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/served_lineages.hpp"

#include <vector>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "deploy/certificate_table.hpp"
#include "deploy/tls_swap.hpp"

namespace certkeep::lifecycle {

namespace {

// Broken rows (PEM that does not parse, a key of another certificate) are logged once each,
// for at most this many lineages; a handshake storm for one broken lineage logs one line.
constexpr std::size_t kMaxBadRowsLogged = 1024;

std::vector<std::string_view> views_of(const std::vector<std::string>& identifiers) {
  return {identifiers.begin(), identifiers.end()};
}

// Does a lineage with these identifiers serve `server_name` (exactly or by its wildcard)?
bool claims(const std::vector<std::string>& identifiers, std::string_view server_name) {
  const std::string name = deploy::normalize_server_name(server_name);
  const std::optional<std::string> wildcard = deploy::covering_wildcard(name);
  for (const std::string& identifier : identifiers) {
    const std::string claimed = deploy::normalize_server_name(identifier);
    if (claimed == name || (wildcard && claimed == *wildcard)) return true;
  }
  return false;
}

Result<std::shared_ptr<const CertifiedKey>> snapshot_of(const store::LineageRecord& record) {
  return deploy::make_certified_key(record.name, record.cert_pem, record.chain_pem, record.key_pem.view());
}

}  // namespace

Result<std::unique_ptr<ServedLineages>> ServedLineages::open(LineageReader& reader, deploy::CacheLimits limits) {
  deploy::NameIndex::Builder builder;
  CERTKEEP_TRY(reader.for_each_servable(
      [&](const ServableLineage& row) { builder.add(row.name, row.identifiers, row.not_after); }));
  return std::unique_ptr<ServedLineages>(new ServedLineages(reader, builder.finish(), limits));
}

ServedLineages::ServedLineages(LineageReader& reader, std::shared_ptr<const deploy::NameIndex::Base> base,
                               deploy::CacheLimits limits)
    : reader_(reader), index_(std::move(base)), cache_(limits) {}

std::shared_ptr<const CertifiedKey> ServedLineages::certificate(std::string_view server_name) const {
  // A second look-up only when the first lineage turned out not to claim the name any more.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::string lineage = index_.lookup(server_name);
    if (lineage.empty()) return nullptr;
    bool moved = false;
    auto snapshot = cache_.get(lineage, [&](const std::string& wanted) { return load(wanted, server_name, moved); });
    if (!snapshot) return nullptr;  // logged by load()
    if (!moved) return *snapshot;   // (null when the index named a lineage that has no certificate)
  }
  return nullptr;
}

Result<std::shared_ptr<const CertifiedKey>> ServedLineages::load(const std::string& lineage,
                                                                 std::string_view server_name, bool& moved) const {
  auto record = reader_.read(lineage);
  if (!record) {
    note_read_failure(lineage, record.error());
    return fail(std::move(record).error());
  }
  note_read_success();
  if (!*record || !is_servable(**record)) {
    index_.remove(lineage);  // gone, or revoked, since the index was built
    moved = true;            // another lineage (a wildcard) may claim the name
    return std::shared_ptr<const CertifiedKey>();
  }
  const store::LineageRecord& stored = **record;
  if (!claims(stored.identifiers, server_name)) {
    // Its names changed and nobody told the index: correct it; the caller asks it again.
    index_.update(lineage, views_of(stored.identifiers), stored.not_after.value_or(core::SystemTime{}));
    moved = true;
  }
  auto snapshot = snapshot_of(stored);
  if (!snapshot) note_bad_row(lineage, snapshot.error());
  return snapshot;
}

Result<void> ServedLineages::lineage_changed(const std::string& lineage) {
  auto record = CERTKEEP_TRY(reader_.read(lineage));
  if (!record) {
    lineage_removed(lineage);
    return {};
  }
  apply(*record, nullptr);
  return {};
}

void ServedLineages::apply(const store::LineageRecord& record, std::shared_ptr<const CertifiedKey> snapshot) {
  if (!is_servable(record)) {
    lineage_removed(record.name);
    return;
  }
  index_.update(record.name, views_of(record.identifiers), record.not_after.value_or(core::SystemTime{}));
  const auto cached = cache_.peek(record.name);
  if (!cached) {
    cache_.erase(record.name);  // a load in flight may have read the old row: not cached
    return;
  }
  if (cached->serial() == record.serial) return;
  if (!snapshot) {
    auto parsed = snapshot_of(record);
    if (!parsed) {
      note_bad_row(record.name, parsed.error());
      cache_.erase(record.name);
      return;
    }
    snapshot = std::move(*parsed);
  }
  cache_.refresh(std::move(snapshot));
}

void ServedLineages::lineage_removed(const std::string& lineage) {
  index_.remove(lineage);
  cache_.erase(lineage);
}

Result<void> ServedLineages::resynchronize(const std::function<void(const ServableLineage&)>& also) {
  std::vector<std::string> cached_list = cache_.lineages();
  std::unordered_set<std::string_view> cached(cached_list.begin(), cached_list.end());
  std::vector<std::string> stale;
  deploy::NameIndex::Resync resync(index_);  // corrects what differs; no second index is built
  CERTKEEP_TRY(reader_.for_each_servable([&](const ServableLineage& row) {
    resync.row(row.name, row.identifiers, row.not_after);
    if (also) also(row);
    if (cached.empty()) return;
    auto found = cached.find(row.name);
    if (found == cached.end()) return;
    cached.erase(found);
    if (auto snapshot = cache_.peek(row.name); snapshot && snapshot->serial() != row.serial)
      stale.emplace_back(row.name);
  }));
  if (const std::size_t corrected = resync.finish(); corrected > 0)
    core::log::info("resynchronized with the store: " + std::to_string(corrected) + " lineages changed or gone");
  for (std::string_view gone : cached) cache_.erase(gone);  // no longer servable
  for (const std::string& lineage : stale) {
    if (auto changed = lineage_changed(lineage); !changed) {
      cache_.erase(lineage);  // better a load later than a stale certificate now
      core::log::warn("resynchronize " + lineage + ": " + changed.error().to_string());
    }
  }
  return {};
}

void ServedLineages::note_read_failure(const std::string& lineage, const Error& error) const {
  ++failed_reads_;
  if (failing_.exchange(true)) {
    ++failures_unlogged_;
    return;
  }
  core::log::error("serving " + lineage + ": cannot read it from the store: " + error.to_string() +
                   " (handshakes for names not in the cache get the SSL_CTX's own certificate; further failures "
                   "are counted, not logged, until a read succeeds)");
}

void ServedLineages::note_read_success() const {
  if (!failing_.load(std::memory_order_relaxed) || !failing_.exchange(false)) return;
  core::log::info("reading lineages from the store works again (" + std::to_string(failures_unlogged_.exchange(0)) +
                  " more reads had failed)");
}

void ServedLineages::note_bad_row(const std::string& lineage, const Error& error) const {
  std::lock_guard lock(bad_rows_mutex_);
  if (bad_rows_logged_.size() >= kMaxBadRowsLogged || !bad_rows_logged_.insert(lineage).second) return;
  core::log::error("serving " + lineage + ": its stored certificate cannot be served: " + error.to_string());
}

ServedLineages::Stats ServedLineages::stats() const {
  return Stats{.index = index_.stats(), .cache = cache_.stats(), .failed_reads = failed_reads_.load()};
}

}  // namespace certkeep::lifecycle
