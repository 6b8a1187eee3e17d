// SPDX-License-Identifier: Apache-2.0
// App: certkeep's operations on one state directory (issue, renew, list, show, remove,
// revoke), shared by the CLI, the daemon and the library, so all three take the same path.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "certkeep/result.hpp"
#include "lifecycle/import.hpp"
#include "lifecycle/lease_keeper.hpp"
#include "lifecycle/issue.hpp"
#include "lifecycle/renewer.hpp"
#include "lifecycle/services.hpp"
#include "store/records.hpp"

namespace certkeep::lifecycle {

using store::EventRecord;
using store::LineageRecord;
using store::LineageSettings;

// /var/lib/certkeep for root, else $XDG_STATE_HOME/certkeep, else ~/.local/state/certkeep.
std::filesystem::path default_state_dir();

// "letsencrypt"/"production" (also ""), "staging", "zerossl", "google", "google-staging", or an
// https URL. Errc::InvalidArgument else.
Result<std::string> resolve_directory_url(const std::string& server);

// The staging (test) directory of a public CA's production directory, for `issue --dry-run`:
// Let's Encrypt's, Google Trust Services', Buypass'; a staging directory is its own. Nullopt
// for a CA certkeep knows no staging directory of.
std::optional<std::string> staging_directory_of(const std::string& directory_url);

struct AppOptions {
  std::filesystem::path state_dir;  // Default: default_state_dir()
  // Where the store is: an SQLite file path or a postgresql:// URL (store::Store::open).
  // Default (empty): <state_dir>/certkeep.db. live/, archive/ and the port locks stay in
  // state_dir either way.
  std::string store;
  ProgressSink progress;
  // Test seams; defaults are the real ones.
  TransportFactory make_transport;
  SolverFactory make_solver;
  core::Clock* clock = nullptr;
  acme::IssuanceOptions issuance;
  // Run the store's integrity check at open (long-lived processes: daemon, library).
  bool verify_store = false;
  // A renewal's lease TTL (Services::lease_ttl); 0: the default. A heartbeat extends it while
  // the renewal runs.
  std::chrono::seconds lease_ttl{0};
  // A private in-memory store instead of state_dir's (`issue --dry-run`: nothing is stored);
  // state_dir is still where files go, so give a temporary one.
  bool in_memory_store = false;
  // `--notify-hook` (lifecycle/notifier.hpp); empty: none.
  std::string notify_hook;
  // How long a deployment confirmation keeps probing servers that serve another serial.
  std::chrono::seconds confirm_timeout{30};
};

struct RenewSelection {
  std::optional<std::string> name;  // one lineage, or every due one
  bool force = false;
  bool dry_run = false;
  int concurrency = 1;
  // Only the lineages this admits (the library Manager: those it manages); empty: all.
  std::function<bool(const std::string&)> include;
};

struct RenewSummary {
  std::vector<RenewResult> results;
  // Imported certificates (never renewed) with less than their warning period left.
  std::vector<ExpiringCertificate> expiring;
  std::size_t failed() const;
  std::size_t renewed() const;
};

struct LineageDetails {
  LineageRecord lineage;
  std::vector<EventRecord> events;
  std::string account;  // the name of the account that ordered its certificate (or will), "" for none
};

class App {
 public:
  // Creates the state directory (0700) and opens the store (options.store, else the SQLite file
  // in the state directory). Errc::Io / Errc::Store; Errc::Busy when the store stays locked.
  static Result<std::unique_ptr<App>> open(AppOptions options);
  ~App();

  const std::filesystem::path& state_dir() const noexcept { return options_.state_dir; }
  // The store's location (a path or a PostgreSQL URL), as store::Store::open takes it.
  const std::string& store_location() const noexcept { return options_.store; }
  Services& services() noexcept { return *services_; }

  Result<LineageRecord> issue(const IssueRequest& request);
  // Renews the due lineages (or the selected one), `concurrency` at a time, each worker with
  // its own store connection and CA connection.
  Result<RenewSummary> renew(const RenewSelection& selection);
  // Every lineage for a listing: without key, certificate and chain PEM (empty).
  Result<std::vector<LineageRecord>> list();
  // The lineage and its newest `event_limit` events, oldest first (0: every event).
  Result<LineageDetails> show(const std::string& name, std::size_t event_limit = 50);
  // Forgets a lineage and removes its live files; its events stay.
  Result<void> remove(const std::string& name);
  // Revokes the current certificate at the CA and marks the lineage revoked.
  Result<void> revoke(const std::string& name, const std::string& reason);
  Result<void> update_settings(const std::string& name, const LineageSettings& settings);
  // Another connection to the same store, for another thread (a Store is single-threaded):
  // the metrics endpoint reads lineages with one.
  Result<std::unique_ptr<store::Store>> open_store_connection() const;
  // Renewals in progress stop polling when `stop` is requested (the daemon's SIGTERM).
  void set_stop_token(std::stop_token stop);

 private:
  App(AppOptions options, std::unique_ptr<store::Store> store,
      std::unique_ptr<deploy::ProcessRunner> processes);
  Services make_services(store::Store& store);

  AppOptions options_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<deploy::ProcessRunner> processes_;
  std::unique_ptr<Services> services_;
  std::shared_ptr<LeaseKeeper> lease_keeper_;  // one heartbeat for every worker's leases
};

}  // namespace certkeep::lifecycle
