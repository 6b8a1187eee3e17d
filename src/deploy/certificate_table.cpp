// SPDX-License-Identifier: Apache-2.0
#include "deploy/certificate_table.hpp"

#include "core/strings.hpp"

namespace certkeep::deploy {

namespace {

// SNI names are case-insensitive (RFC 6066 §3 defers to DNS) and a client may send the
// absolute form with a trailing dot.
std::string normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return core::to_lower(name);
}

}  // namespace

std::shared_ptr<const CertificateTable> CertificateTable::build(
    std::vector<std::shared_ptr<const CertifiedKey>> snapshots) {
  auto table = std::make_shared<CertificateTable>();
  for (auto& snapshot : snapshots) {
    if (!snapshot) continue;
    for (const std::string& raw : snapshot->names()) {
      std::string name = normalize(raw);
      if (name.empty()) continue;
      auto [it, inserted] = table->by_name_.try_emplace(std::move(name), snapshot);
      if (!inserted && snapshot->not_after() > it->second->not_after()) it->second = snapshot;
    }
    table->snapshots_.push_back(std::move(snapshot));
  }
  return table;
}

std::shared_ptr<const CertifiedKey> CertificateTable::find(std::string_view server_name) const {
  if (server_name.empty()) return snapshots_.empty() ? nullptr : snapshots_.front();
  const std::string name = normalize(server_name);
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  // RFC 6125 §6.4.3: a wildcard stands for exactly one, whole, leftmost label.
  const std::size_t dot = name.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == name.size()) return nullptr;
  const std::string wildcard = std::string("*").append(name, dot);
  if (auto it = by_name_.find(wildcard); it != by_name_.end()) return it->second;
  return nullptr;
}

PublishedCertificates::PublishedCertificates() : table_(CertificateTable::build({})) {}

void PublishedCertificates::publish(std::shared_ptr<const CertificateTable> table) noexcept {
  if (!table) table = CertificateTable::build({});
  table_.store(std::move(table), std::memory_order_release);
}

std::shared_ptr<const CertificateTable> PublishedCertificates::current() const noexcept {
  return table_.load(std::memory_order_acquire);
}

std::shared_ptr<const CertifiedKey> PublishedCertificates::certificate(std::string_view server_name) const {
  return current()->find(server_name);
}

}  // namespace certkeep::deploy
