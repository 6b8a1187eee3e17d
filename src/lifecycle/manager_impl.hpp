// SPDX-License-Identifier: Apache-2.0
// Manager::Impl: the library Manager's state behind the public pimpl. It drives the same App
// (store, renewer, deployer) as the CLI and the daemon, with the in-process Http01Responder
// as the solver of every lineage, and publishes each lineage's current certificate as an
// immutable snapshot table (deploy::PublishedCertificates).
//
// Locking: work_mutex_ serializes everything that touches the App (it owns one store
// connection, which is single-threaded): manage(), renew_now() and each pass of the renewal
// thread. The handshake path (certificate()) and http01_response() never take it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acme/external_account.hpp"
#include "certkeep/manager.hpp"
#include "core/clock.hpp"
#include "deploy/certificate_table.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/http01_responder.hpp"
#include "lifecycle/manager_events.hpp"

namespace certkeep {

// Test seams for Manager; the defaults are the real ones.
struct ManagerSeams {
  lifecycle::TransportFactory make_transport;  // Default: libcurl with the lineage's ca_bundle
  core::Clock* clock = nullptr;                // Default: the system clock
  acme::IssuanceOptions issuance;              // polling of the order flow
  // Shortest sleep of the renewal thread between passes, so a lineage that stays due (e.g. the
  // store is locked by another process) cannot make it spin. Default 1 s.
  std::chrono::milliseconds min_sleep{1000};
};

class Manager::Impl {
 public:
  Impl(ManagerOptions options, std::unique_ptr<lifecycle::App> app,
       std::shared_ptr<lifecycle::Http01Responder> responder, core::Clock& clock,
       std::chrono::milliseconds min_sleep);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Result<void> manage(const std::vector<std::string>& names, std::string lineage);
  Result<void> start();
  void stop() noexcept;
  Result<void> renew_now(const std::string& lineage);
  Result<void> import(const std::string& lineage, const std::filesystem::path& cert_file,
                      const std::filesystem::path& key_file, const std::filesystem::path& chain_file);
  std::optional<std::string> http01_response(std::string_view host, std::string_view raw_path) const {
    return responder_->answer(host, raw_path);
  }
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const {
    return published_.certificate(server_name);
  }
  Subscription subscribe(std::function<void(const Event&)> callback) {
    return hub_->subscribe(std::move(callback));
  }
  std::vector<std::string> lineages() const;
  // Manager::on_demand: `self` is the primary source.
  Result<std::unique_ptr<OnDemandCertificates>> on_demand(const CertificateSource& self,
                                                          OnDemandOptions options);

  // One pass of the renewal thread, on the calling thread: renews the managed lineages that are
  // due, republishes, notifies. Returns how long the thread would sleep next.
  std::chrono::milliseconds run_pass();
  bool is_running() const;
  // The published table and the responder, for tests and the TLS glue.
  const deploy::PublishedCertificates& published() const noexcept { return published_; }
  lifecycle::Http01Responder& responder() noexcept { return *responder_; }

 private:
  void loop(std::stop_token stop);
  // The rest run with work_mutex_ held.
  store::LineageSettings desired_settings(const std::optional<store::LineageRecord>& existing) const;
  void renew_due(std::vector<Event>& events);
  void refresh(std::vector<Event>& events);
  std::chrono::milliseconds next_sleep();
  void add_managed(const std::string& lineage);
  Event failed_event(const std::string& lineage, Error error) const;

  const ManagerOptions options_;
  // options_'s EAB, checked at open.
  std::optional<acme::ExternalAccountBinding> external_account_;
  core::Clock& clock_;
  const std::chrono::milliseconds min_sleep_;
  const std::shared_ptr<lifecycle::Http01Responder> responder_;
  const std::shared_ptr<lifecycle::EventHub> hub_ = std::make_shared<lifecycle::EventHub>();
  deploy::PublishedCertificates published_;

  std::mutex work_mutex_;
  std::unique_ptr<lifecycle::App> app_;
  std::vector<std::string> managed_;  // lineage names, in the order manage() first saw them
  std::map<std::string, std::shared_ptr<const CertifiedKey>> served_;  // lineage → published

  mutable std::mutex names_mutex_;  // a copy of managed_ for lineages()
  std::vector<std::string> managed_names_;

  mutable std::mutex thread_mutex_;  // thread_ and wake_requested_
  std::condition_variable_any wake_;
  bool wake_requested_ = false;
  std::jthread thread_;
};

// Manager::open with seams (tests point make_transport at a fake CA).
Result<std::unique_ptr<Manager>> open_manager(ManagerOptions options, ManagerSeams seams);

}  // namespace certkeep
