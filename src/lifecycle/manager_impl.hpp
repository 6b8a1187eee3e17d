// SPDX-License-Identifier: Apache-2.0
// Manager::Impl: the library Manager's state behind the public pimpl. It drives the same App
// (store, renewer, deployer) as the CLI and the daemon, with the in-process Http01Responder
// as the solver of every lineage, and publishes each lineage's current certificate as an
// immutable snapshot table (deploy::PublishedCertificates).
//
// Locking: work_mutex_ serializes everything that touches the App (it owns one store
// connection, which is single-threaded): manage(), renew_now() and each pass of the renewal
// thread. publish_mutex_ (inside it) makes "read a lineage, then publish it" one step, so the
// change follower (a renewal committed by another node) never waits for a renewal of this one,
// and of two publishers of a lineage the later read is published last. The handshake path
// (certificate()) and http01_response() take neither.
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

#include "certkeep/manager.hpp"
#include "core/clock.hpp"
#include "deploy/certificate_table.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/change_follower.hpp"
#include "lifecycle/http01_responder.hpp"
#include "lifecycle/manager_events.hpp"
#include "lifecycle/shared_challenges.hpp"

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
  // This Manager's own pending answers, else (a fleet) those any node saved in the store.
  std::optional<std::string> http01_response(std::string_view host, std::string_view raw_path) const;
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
  // Follows the store's change feed from now on (ChangeFollower): a lineage this Manager
  // serves, renewed by another process or node, is published within a second; with a fleet's
  // store the pending challenge answers of every node are kept too (`shared`, may be null).
  Result<void> follow_changes(std::shared_ptr<lifecycle::SharedAnswers> shared,
                              lifecycle::ChangeFollowerOptions options);
  // Reads `lineage` from `store` and publishes it when its serial changed (an Issued/Renewed
  // event in `events`). Not for an unmanaged lineage.
  void lineage_changed(const std::string& lineage, store::Store& store, std::vector<Event>& events);
  const lifecycle::ChangeFollower* follower() const noexcept { return follower_.get(); }
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
  // With publish_mutex_ held: takes `stored` as the served snapshot of `lineage` when its serial
  // is new (true), and publish_served() makes the table of every served lineage.
  bool take_locked(const std::string& lineage, const store::LineageRecord& stored, std::vector<Event>& events);
  void publish_served_locked();
  bool is_managed(const std::string& lineage) const;
  void apply_changes(const std::vector<store::ChangeRecord>& changes, store::Store& store);
  void resync(store::Store& store);

  const ManagerOptions options_;
  core::Clock& clock_;
  const std::chrono::milliseconds min_sleep_;
  const std::shared_ptr<lifecycle::Http01Responder> responder_;
  const std::shared_ptr<lifecycle::EventHub> hub_ = std::make_shared<lifecycle::EventHub>();
  deploy::PublishedCertificates published_;

  std::mutex work_mutex_;
  std::unique_ptr<lifecycle::App> app_;
  std::vector<std::string> managed_;  // lineage names, in the order manage() first saw them
  mutable std::mutex publish_mutex_;  // served_ and publishing
  std::map<std::string, std::shared_ptr<const CertifiedKey>> served_;  // lineage → published
  std::shared_ptr<lifecycle::SharedAnswers> shared_answers_;  // set before follower_ starts
  std::unique_ptr<lifecycle::ChangeFollower> follower_;       // last: stopped first

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
