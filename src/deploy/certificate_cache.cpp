// SPDX-License-Identifier: Apache-2.0
#include "deploy/certificate_cache.hpp"

#include <algorithm>
#include <future>
#include <list>
#include <mutex>
#include <unordered_map>

namespace certkeep::deploy {

namespace {

constexpr std::size_t kMaxShards = 16;
// The parsed OpenSSL objects of a snapshot (leaf X509 with its cached extensions and decoded
// names, the EVP_PKEY with its provider key data, the chain's X509s) beyond the PEM text:
// measured with glibc's mallinfo2 over 10,000 P-256 snapshots with a one-certificate chain
// (bench/serve_all_bench prints the figure for the store it builds).
constexpr std::size_t kParsedBytes = 9 * 1024;

using Outcome = Result<std::shared_ptr<const CertifiedKey>>;

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

}  // namespace

struct CertificateCache::Shard {
  struct Entry {
    std::string lineage;
    std::shared_ptr<const CertifiedKey> snapshot;
    std::size_t bytes = 0;
  };
  struct Loading {
    std::promise<Outcome> promise;
    std::shared_future<Outcome> result = promise.get_future().share();
    bool stale = false;  // refreshed or erased while loading: answer, do not cache
  };

  // Drops least recently used entries until both shares hold. Caller holds mutex.
  void trim() {
    while (!lru.empty() && (lru.size() > max_certificates || bytes > max_bytes)) {
      bytes -= lru.back().bytes;
      index.erase(lru.back().lineage);
      lru.pop_back();
      ++stats.evictions;
    }
  }
  void drop(std::string_view lineage) {
    if (auto found = index.find(lineage); found != index.end()) {
      bytes -= found->second->bytes;
      lru.erase(found->second);
      index.erase(found);
    }
  }

  std::size_t max_certificates = 0;
  std::size_t max_bytes = 0;
  mutable std::mutex mutex;
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator, TextHash, std::equal_to<>> index;
  std::unordered_map<std::string, std::shared_ptr<Loading>, TextHash, std::equal_to<>> loading;
  std::size_t bytes = 0;
  Stats stats;
};

CertificateCache::CertificateCache(CacheLimits limits) : limits_(limits) {
  const std::size_t certificates = std::max<std::size_t>(limits.max_certificates, 1);
  const std::size_t shard_count = std::min(kMaxShards, certificates);
  for (std::size_t i = 0; i < shard_count; ++i) {
    auto shard = std::make_unique<Shard>();
    // Floor shares: their sum never exceeds the bound.
    shard->max_certificates = certificates / shard_count;
    shard->max_bytes = std::max<std::size_t>(limits.max_bytes / shard_count, 1);
    shards_.push_back(std::move(shard));
  }
}

CertificateCache::~CertificateCache() = default;

CertificateCache::Shard& CertificateCache::shard_of(std::string_view lineage) const {
  return *shards_[std::hash<std::string_view>{}(lineage) % shards_.size()];
}

Result<std::shared_ptr<const CertifiedKey>> CertificateCache::get(const std::string& lineage, const Loader& load) {
  Shard& shard = shard_of(lineage);
  std::shared_ptr<Shard::Loading> mine;
  {
    std::unique_lock lock(shard.mutex);
    if (auto found = shard.index.find(lineage); found != shard.index.end()) {
      shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
      ++shard.stats.hits;
      return found->second->snapshot;
    }
    if (auto other = shard.loading.find(lineage); other != shard.loading.end()) {
      std::shared_future<Outcome> result = other->second->result;
      ++shard.stats.shared_loads;
      lock.unlock();
      return result.get();
    }
    mine = std::make_shared<Shard::Loading>();
    shard.loading.emplace(lineage, mine);
    ++shard.stats.loads;
  }

  Outcome outcome = fail(Errc::Internal, "load " + lineage + ": the loader threw");
  try {
    outcome = load(lineage);
  } catch (...) {  // the loader's bug must not leave the waiters waiting
  }
  {
    std::lock_guard lock(shard.mutex);
    shard.loading.erase(lineage);
    if (!outcome) {
      ++shard.stats.failed_loads;
    } else if (*outcome && !mine->stale) {
      const std::size_t bytes = estimated_bytes(**outcome);
      if (bytes <= shard.max_bytes) {
        shard.drop(lineage);
        shard.lru.push_front(Shard::Entry{lineage, *outcome, bytes});
        shard.index.emplace(lineage, shard.lru.begin());
        shard.bytes += bytes;
        shard.trim();
      }
    }
  }
  mine->promise.set_value(outcome);
  return outcome;
}

std::shared_ptr<const CertifiedKey> CertificateCache::peek(std::string_view lineage) const {
  Shard& shard = shard_of(lineage);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(lineage);
  return found == shard.index.end() ? nullptr : found->second->snapshot;
}

bool CertificateCache::refresh(std::shared_ptr<const CertifiedKey> snapshot) {
  if (!snapshot) return false;
  Shard& shard = shard_of(snapshot->lineage());
  std::lock_guard lock(shard.mutex);
  if (auto loading = shard.loading.find(snapshot->lineage()); loading != shard.loading.end())
    loading->second->stale = true;
  auto found = shard.index.find(snapshot->lineage());
  if (found == shard.index.end()) return false;
  const std::size_t bytes = estimated_bytes(*snapshot);
  shard.bytes -= found->second->bytes;
  if (bytes > shard.max_bytes) {
    shard.lru.erase(found->second);
    shard.index.erase(found);
    return false;
  }
  found->second->snapshot = std::move(snapshot);
  found->second->bytes = bytes;
  shard.bytes += bytes;
  shard.trim();
  return true;
}

void CertificateCache::erase(std::string_view lineage) {
  Shard& shard = shard_of(lineage);
  std::lock_guard lock(shard.mutex);
  if (auto loading = shard.loading.find(lineage); loading != shard.loading.end()) loading->second->stale = true;
  shard.drop(lineage);
}

std::vector<std::string> CertificateCache::lineages() const {
  std::vector<std::string> names;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const Shard::Entry& entry : shard->lru) names.push_back(entry.lineage);
  }
  return names;
}

std::size_t CertificateCache::estimated_bytes(const CertifiedKey& snapshot) {
  std::size_t bytes = sizeof(CertifiedKey) + snapshot.certificate_pem().size() + snapshot.chain_pem().size() +
                      snapshot.lineage().size() + snapshot.serial().size() + snapshot.issuer().size();
  for (const std::string& name : snapshot.names()) bytes += sizeof(std::string) + name.size();
  return bytes + kParsedBytes;
}

CertificateCache::Stats CertificateCache::stats() const {
  Stats total;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total.cached += shard->lru.size();
    total.bytes += shard->bytes;
    total.hits += shard->stats.hits;
    total.loads += shard->stats.loads;
    total.shared_loads += shard->stats.shared_loads;
    total.failed_loads += shard->stats.failed_loads;
    total.evictions += shard->stats.evictions;
  }
  return total;
}

}  // namespace certkeep::deploy
