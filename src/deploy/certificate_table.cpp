// SPDX-License-Identifier: Apache-2.0
#include "deploy/certificate_table.hpp"

#include <algorithm>
#include <mutex>

#include "core/strings.hpp"

namespace certkeep::deploy {

std::string normalize_server_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return core::to_lower(name);
}

std::optional<std::string> covering_wildcard(std::string_view name) {
  const std::size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == name.size()) return std::nullopt;
  return std::string("*").append(name.substr(dot));
}

void CertificateTable::put(std::shared_ptr<const CertifiedKey> snapshot) {
  if (!snapshot) return;
  std::vector<std::string> names;
  names.reserve(snapshot->names().size());
  for (const std::string& raw : snapshot->names())
    if (std::string name = normalize_server_name(raw); !name.empty()) names.push_back(std::move(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::unique_lock lock(mutex_);
  auto [slot, inserted] = by_lineage_.try_emplace(snapshot->lineage(), snapshot);
  if (!inserted) {
    drop_names_locked(*slot->second);
    slot->second = snapshot;
  }
  for (std::string& name : names) by_name_[std::move(name)].push_back(snapshot);
  if (default_lineage_.empty()) default_lineage_ = snapshot->lineage();
}

bool CertificateTable::remove(std::string_view lineage) {
  std::unique_lock lock(mutex_);
  auto slot = by_lineage_.find(std::string(lineage));
  if (slot == by_lineage_.end()) return false;
  drop_names_locked(*slot->second);
  by_lineage_.erase(slot);
  if (default_lineage_ == lineage) default_lineage_.clear();
  return true;
}

void CertificateTable::drop_names_locked(const CertifiedKey& snapshot) {
  for (const std::string& raw : snapshot.names()) {
    auto claims = by_name_.find(normalize_server_name(raw));
    if (claims == by_name_.end()) continue;
    std::erase_if(claims->second, [&](const auto& claim) { return claim.get() == &snapshot; });
    if (claims->second.empty()) by_name_.erase(claims);
  }
}

std::shared_ptr<const CertifiedKey> CertificateTable::best_locked(const std::string& name) const {
  auto claims = by_name_.find(name);
  if (claims == by_name_.end()) return nullptr;
  const Claims& all = claims->second;
  return *std::max_element(all.begin(), all.end(),
                           [](const auto& a, const auto& b) { return a->not_after() < b->not_after(); });
}

std::shared_ptr<const CertifiedKey> CertificateTable::find(std::string_view server_name) const {
  if (server_name.empty()) {
    std::shared_lock lock(mutex_);
    auto slot = by_lineage_.find(default_lineage_);
    return slot == by_lineage_.end() ? nullptr : slot->second;
  }
  const std::string name = normalize_server_name(server_name);
  const std::optional<std::string> wildcard = covering_wildcard(name);
  std::shared_lock lock(mutex_);
  if (auto exact = best_locked(name)) return exact;
  return wildcard ? best_locked(*wildcard) : nullptr;
}

std::shared_ptr<const CertifiedKey> CertificateTable::of_lineage(std::string_view lineage) const {
  std::shared_lock lock(mutex_);
  auto slot = by_lineage_.find(std::string(lineage));
  return slot == by_lineage_.end() ? nullptr : slot->second;
}

std::size_t CertificateTable::lineage_count() const {
  std::shared_lock lock(mutex_);
  return by_lineage_.size();
}

std::size_t CertificateTable::name_count() const {
  std::shared_lock lock(mutex_);
  return by_name_.size();
}

}  // namespace certkeep::deploy
