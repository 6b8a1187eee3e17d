// SPDX-License-Identifier: Apache-2.0
// Manager::Impl: the library Manager's state behind the public pimpl. It drives the same App
// (store, renewer, deployer) as the CLI and the daemon, with the in-process Http01Responder
// as the solver of every lineage, serves each managed lineage's current certificate from a
// deploy::CertificateTable updated one lineage at a time, and with serve_all_lineages every
// other lineage of the store through lifecycle::ServedLineages.
//
// Locking, outermost first:
// - work_mutex_ serializes everything that touches the App (it owns one store connection,
//   which is single-threaded): manage(), import(), renew_now() and each pass of the renewal
//   thread.
// - publish_mutex_ makes "read a lineage, then publish it" one step, so of two publishers of
//   the same lineage (the renewal thread after a renewal, the change feed's lineage_changed())
//   the later read is also published last. It is held for one indexed read and a parse.
// - managed_mutex_ guards the managed list and the due schedule, for short moments.
// The handshake path (certificate()) and http01_response() take none of them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "acme/external_account.hpp"
#include "certkeep/manager.hpp"
#include "core/clock.hpp"
#include "deploy/certificate_table.hpp"
#include "lifecycle/app.hpp"
#include "lifecycle/change_follower.hpp"
#include "lifecycle/due_schedule.hpp"
#include "lifecycle/http01_responder.hpp"
#include "lifecycle/lineage_reader.hpp"
#include "lifecycle/manager_events.hpp"
#include "lifecycle/served_lineages.hpp"
#include "lifecycle/shared_challenges.hpp"
#include "lifecycle/tls_alpn_responder.hpp"

namespace certkeep {

// Test seams for Manager; the defaults are the real ones.
struct ManagerSeams {
  lifecycle::TransportFactory make_transport;  // Default: libcurl with the lineage's ca_bundle
  core::Clock* clock = nullptr;                // Default: the system clock
  acme::IssuanceOptions issuance;              // polling of the order flow
  // Shortest sleep of the renewal thread between passes, so a lineage that stays due (e.g. the
  // store is locked by another process) cannot make it spin. Default 1 s.
  std::chrono::milliseconds min_sleep{1000};
  // Where serving reads lineages (cold loads, changes). Default: a StoreLineageReader over
  // the Manager's store.
  std::unique_ptr<lifecycle::LineageReader> reader;
};

class Manager::Impl {
 public:
  Impl(ManagerOptions options, std::unique_ptr<lifecycle::App> app,
       std::shared_ptr<lifecycle::Http01Responder> responder,
       std::shared_ptr<lifecycle::TlsAlpnResponder> tls_alpn, core::Clock& clock,
       std::chrono::milliseconds min_sleep, std::unique_ptr<lifecycle::LineageReader> reader,
       std::unique_ptr<lifecycle::ServedLineages> served);
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
  std::shared_ptr<const CertifiedKey> certificate(std::string_view server_name) const;
  // A fleet's node answers TLS-ALPN-01 for whichever node ordered, whatever its own challenge.
  bool answers_acme_tls_alpn() const noexcept {
    return options_.challenge == ChallengeType::TlsAlpn01 || shared_answers_ != nullptr;
  }
  // This Manager's own pending validations, else (a fleet) those any node saved in the store.
  std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view server_name) const;
  Subscription subscribe(std::function<void(const Event&)> callback) {
    return hub_->subscribe(std::move(callback));
  }
  std::vector<std::string> lineages() const;
  Result<void> lineage_changed(const std::string& lineage);
  void lineage_removed(const std::string& lineage);
  ServingStats serving_stats() const;
  // Manager::on_demand: `self` is the primary source.
  Result<std::unique_ptr<OnDemandCertificates>> on_demand(const CertificateSource& self,
                                                          OnDemandOptions options);

  // One pass of the renewal thread, on the calling thread: renews the managed lineages the
  // store says are due, publishes what changed, notifies. Returns how long the thread would
  // sleep next.
  std::chrono::milliseconds run_pass();
  bool is_running() const;
  // Follows the store's change feed from now on (ChangeFollower): each changed lineage goes
  // through lineage_changed()/lineage_removed(), so a lineage this Manager serves, renewed by
  // another process or node, is served within a second; with a fleet's store the pending
  // challenge answers of every node are kept too (`shared`, may be null).
  Result<void> follow_changes(std::shared_ptr<lifecycle::SharedAnswers> shared,
                              lifecycle::ChangeFollowerOptions options);
  const lifecycle::ChangeFollower* follower() const noexcept { return follower_.get(); }
  // The managed table and the responder, for tests and the TLS glue.
  const deploy::CertificateTable& managed_table() const noexcept { return table_; }
  lifecycle::Http01Responder& responder() noexcept { return *responder_; }
  lifecycle::TlsAlpnResponder& tls_alpn_responder() noexcept { return *tls_alpn_; }

 private:
  void loop(std::stop_token stop);
  bool is_managed(const std::string& lineage) const;
  // The rest run with work_mutex_ held.
  store::LineageSettings desired_settings(const std::optional<store::LineageRecord>& existing) const;
  void renew_due(std::vector<Event>& events);
  // Reads `lineage` from the App's store and publishes it (see publish()).
  void reload(const std::string& lineage, std::vector<Event>& events);
  // Once per check_interval: one pass over the store picks up what other processes changed.
  void reconcile(std::vector<Event>& events);
  std::chrono::milliseconds next_sleep();
  void add_managed(const std::string& lineage);
  Event failed_event(const std::string& lineage, Error error) const;
  // With publish_mutex_ held: serves what `record` says. A managed lineage with a new serial
  // gets its snapshot parsed and put (Issued or Renewed), and its due time scheduled; with
  // serve-all, the index and the cache learn of the change (`changed`).
  void publish(const store::LineageRecord& record, bool changed, std::vector<Event>& events);

  const ManagerOptions options_;
  // options_'s EAB, checked at open.
  std::optional<acme::ExternalAccountBinding> external_account_;
  core::Clock& clock_;
  const std::chrono::milliseconds min_sleep_;
  const std::shared_ptr<lifecycle::Http01Responder> responder_;
  const std::shared_ptr<lifecycle::TlsAlpnResponder> tls_alpn_;
  const std::shared_ptr<lifecycle::EventHub> hub_ = std::make_shared<lifecycle::EventHub>();
  deploy::CertificateTable table_;  // the managed lineages
  const std::unique_ptr<lifecycle::LineageReader> reader_;
  const std::unique_ptr<lifecycle::ServedLineages> served_;  // serve_all_lineages only

  std::mutex work_mutex_;
  std::unique_ptr<lifecycle::App> app_;
  std::optional<core::SystemTime> last_reconcile_;

  std::mutex publish_mutex_;

  mutable std::mutex managed_mutex_;
  std::vector<std::string> managed_;  // lineage names, in the order manage() first saw them
  std::unordered_set<std::string> managed_set_;
  lifecycle::DueSchedule schedule_;

  mutable std::mutex thread_mutex_;  // thread_ and wake_requested_
  std::condition_variable_any wake_;
  bool wake_requested_ = false;
  std::jthread thread_;

  // The change feed (follow_changes); its thread calls into this Impl, so it is stopped first.
  void apply_changes(const std::vector<store::ChangeRecord>& changes, store::Store& store);
  void resync(store::Store& store);
  std::shared_ptr<lifecycle::SharedAnswers> shared_answers_;  // set before follower_ starts
  std::unique_ptr<lifecycle::ChangeFollower> follower_;
};

// Manager::open with seams (tests point make_transport at a fake CA).
Result<std::unique_ptr<Manager>> open_manager(ManagerOptions options, ManagerSeams seams);

}  // namespace certkeep
