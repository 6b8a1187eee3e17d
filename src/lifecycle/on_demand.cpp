// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/on_demand.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "deploy/tls_swap.hpp"

namespace certkeep {

namespace {

// SNI names compare in lower case without a trailing dot.
std::string normalized(std::string_view name) {
  std::string text(name);
  if (!text.empty() && text.back() == '.') text.pop_back();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

Result<std::unique_ptr<OnDemandCertificates::Impl>> OnDemandCertificates::Impl::create(
    const CertificateSource& primary, crypto::CaMaterial ca, OnDemandOptions options, core::Clock& clock) {
  for (std::string& name : options.allowed_names) {
    name = normalized(name);
    if (!core::is_valid_dns_name(name))
      return fail(Errc::InvalidArgument, "on-demand allowed name \"" + name + "\" is not a DNS name");
  }
  for (std::string& pattern : options.allowed_patterns) {
    pattern = normalized(pattern);
    if (pattern.rfind("*.", 0) != 0 || !core::is_valid_dns_name(pattern.substr(2)))
      return fail(Errc::InvalidArgument, "on-demand pattern \"" + pattern + "\" is not \"*.<DNS name>\"");
  }
  if (options.max_certificates == 0 || options.max_bytes == 0)
    return fail(Errc::InvalidArgument, "on-demand bounds must be positive");
  if (options.lifetime < std::chrono::minutes(10))
    return fail(Errc::InvalidArgument, "on-demand lifetime must be at least 10 minutes");
  return std::unique_ptr<Impl>(new Impl(primary, std::move(ca), std::move(options), clock));
}

OnDemandCertificates::Impl::Impl(const CertificateSource& primary, crypto::CaMaterial ca,
                                 OnDemandOptions options, core::Clock& clock)
    : primary_(primary), ca_(std::move(ca)), options_(std::move(options)), clock_(clock) {}

bool OnDemandCertificates::Impl::admitted(const std::string& name) const {
  if (!core::is_valid_dns_name(name)) return false;
  if (std::find(options_.allowed_names.begin(), options_.allowed_names.end(), name) !=
      options_.allowed_names.end())
    return true;
  const auto dot = name.find('.');
  if (dot == std::string::npos) return false;
  const std::string wildcard = "*" + name.substr(dot);
  return std::find(options_.allowed_patterns.begin(), options_.allowed_patterns.end(), wildcard) !=
         options_.allowed_patterns.end();
}

std::shared_ptr<const CertifiedKey> OnDemandCertificates::Impl::certificate(std::string_view server_name) {
  if (auto real = primary_.certificate(server_name)) return real;
  const std::string name = normalized(server_name);
  const auto now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    if (!admitted(name)) {
      ++stats_.refused;
      return nullptr;
    }
    if (auto found = index_.find(name); found != index_.end()) {
      const auto& key = found->second->key;
      // Fresh while less than half its life has passed.
      if (key->not_after() - now > options_.lifetime / 2) {
        lru_.splice(lru_.begin(), lru_, found->second);
        return key;
      }
    }
  }
  // Made outside the lock: a slow signature does not hold up other names' handshakes.
  return make(name);
}

std::shared_ptr<const CertifiedKey> OnDemandCertificates::Impl::make(const std::string& name) {
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256);
  if (!key) return nullptr;
  const auto now = clock_.now();
  auto leaf = crypto::issue_leaf_certificate(ca_, *key, {name}, now - std::chrono::minutes(1),
                                             now + options_.lifetime);
  auto key_pem = leaf ? key->to_pem() : Result<core::Secret>(fail(Errc::Crypto, "no leaf"));
  if (!leaf || !key_pem) {
    core::log::warn("on-demand certificate for " + name + ": " +
                    (leaf ? key_pem.error() : leaf.error()).to_string());
    return nullptr;
  }
  auto certified = deploy::make_certified_key("on-demand", *leaf, ca_.cert_pem, key_pem->view());
  if (!certified) return nullptr;
  // PEM text and the parsed objects, roughly.
  const std::size_t bytes = 2 * (leaf->size() + key_pem->view().size()) + 1024;
  insert(name, *certified, bytes);
  return *certified;
}

void OnDemandCertificates::Impl::insert(const std::string& name, std::shared_ptr<const CertifiedKey> key,
                                        std::size_t bytes) {
  std::lock_guard lock(mutex_);
  ++stats_.made;
  if (auto found = index_.find(name); found != index_.end()) {
    stats_.bytes -= found->second->bytes;
    lru_.erase(found->second);
    index_.erase(found);
  }
  lru_.push_front(Entry{name, std::move(key), bytes});
  index_[name] = lru_.begin();
  stats_.bytes += bytes;
  while (lru_.size() > options_.max_certificates || (stats_.bytes > options_.max_bytes && lru_.size() > 1)) {
    stats_.bytes -= lru_.back().bytes;
    index_.erase(lru_.back().name);
    lru_.pop_back();
    ++stats_.evicted;
  }
  stats_.cached = lru_.size();
}

OnDemandCertificates::Stats OnDemandCertificates::Impl::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

OnDemandCertificates::OnDemandCertificates(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnDemandCertificates::~OnDemandCertificates() = default;

std::shared_ptr<const CertifiedKey> OnDemandCertificates::certificate(std::string_view server_name) const {
  return impl_->certificate(server_name);
}

OnDemandCertificates::Stats OnDemandCertificates::stats() const { return impl_->stats(); }

}  // namespace certkeep
