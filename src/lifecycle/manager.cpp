// SPDX-License-Identifier: Apache-2.0
// The public Manager: a thin pimpl over Manager::Impl (manager_impl.cpp), so the public header
// needs nothing from src/.
#include "certkeep/manager.hpp"

#include "lifecycle/manager_impl.hpp"

namespace certkeep {

Result<std::unique_ptr<Manager>> Manager::open(ManagerOptions options) {
  return open_manager(std::move(options), ManagerSeams{});
}

Manager::Manager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Manager::~Manager() = default;

Result<void> Manager::manage(const std::vector<std::string>& names, std::string lineage) {
  return impl_->manage(names, std::move(lineage));
}

Result<void> Manager::import(const std::string& lineage, const std::filesystem::path& cert_file,
                             const std::filesystem::path& key_file, const std::filesystem::path& chain_file) {
  return impl_->import(lineage, cert_file, key_file, chain_file);
}

Result<void> Manager::start() { return impl_->start(); }
void Manager::stop() noexcept { impl_->stop(); }
Result<void> Manager::renew_now(const std::string& lineage) { return impl_->renew_now(lineage); }

std::optional<std::string> Manager::http01_response(std::string_view host, std::string_view raw_path) const {
  return impl_->http01_response(host, raw_path);
}

std::shared_ptr<const CertifiedKey> Manager::certificate(std::string_view server_name) const {
  return impl_->certificate(server_name);
}

Subscription Manager::subscribe(std::function<void(const Event&)> callback) {
  return impl_->subscribe(std::move(callback));
}

std::vector<std::string> Manager::lineages() const { return impl_->lineages(); }

Result<void> Manager::lineage_changed(const std::string& lineage) { return impl_->lineage_changed(lineage); }
void Manager::lineage_removed(const std::string& lineage) { impl_->lineage_removed(lineage); }
ServingStats Manager::serving_stats() const { return impl_->serving_stats(); }

Result<std::unique_ptr<OnDemandCertificates>> Manager::on_demand(OnDemandOptions options) const {
  return impl_->on_demand(*this, std::move(options));
}

}  // namespace certkeep
