// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/app.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <thread>
#include <unordered_set>

#include "acme/directory.hpp"
#include "acme/revoke.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/start_thread.hpp"
#include "crypto/certificate.hpp"
#include "deploy/atomic_file.hpp"
#include "deploy/live_dir.hpp"
#include "deploy/process_runner.hpp"
#include "lifecycle/dns_solvers.hpp"
#include "lifecycle/notifier.hpp"

namespace certkeep::lifecycle {

namespace {

constexpr const char* kDatabaseName = "certkeep.db";

struct WorkItem {
  std::string name;
  std::string serial;
};

}  // namespace

std::filesystem::path default_state_dir() {
  if (::geteuid() == 0) return "/var/lib/certkeep";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/')
    return std::filesystem::path(xdg) / "certkeep";
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/')
    return std::filesystem::path(home) / ".local/state/certkeep";
  return "/var/lib/certkeep";
}

Result<std::string> resolve_directory_url(const std::string& server) {
  if (server.empty() || server == "letsencrypt" || server == "production")
    return std::string(acme::kLetsEncryptProduction);
  if (server == "staging" || server == "letsencrypt-staging") return std::string(acme::kLetsEncryptStaging);
  if (server == "zerossl") return std::string(acme::kZeroSsl);
  if (server == "google") return std::string(acme::kGoogleTrustServices);
  if (server == "google-staging") return std::string(acme::kGoogleTrustServicesStaging);
  if (!acme::is_https_url(server))
    return fail(Errc::InvalidArgument,
                "--server must be letsencrypt, staging, zerossl, google, google-staging or an https:// "
                "directory URL");
  return server;
}

std::optional<std::string> staging_directory_of(const std::string& directory_url) {
  static const std::pair<std::string_view, std::string_view> kStaging[] = {
      {acme::kLetsEncryptProduction, acme::kLetsEncryptStaging},
      {"https://dv.acme-v02.api.pki.goog/directory", "https://dv.acme-v02.test-api.pki.goog/directory"},
      {"https://api.buypass.com/acme/directory", "https://api.test4.buypass.no/acme/directory"},
  };
  for (const auto& [production, staging] : kStaging) {
    if (directory_url == production || directory_url == staging) return std::string(staging);
  }
  return std::nullopt;
}

std::size_t RenewSummary::failed() const {
  return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [](const RenewResult& r) {
    return r.outcome == RenewOutcome::Failed || r.outcome == RenewOutcome::DeployFailed;
  }));
}

std::size_t RenewSummary::renewed() const {
  return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [](const RenewResult& r) {
    return r.outcome == RenewOutcome::Renewed;
  }));
}

Result<std::unique_ptr<App>> App::open(AppOptions options) {
  if (options.state_dir.empty()) options.state_dir = default_state_dir();
  // The default store's file is made inside the state directory, which opening it creates.
  // A dry run keeps nothing: a private in-memory store, whatever --store says.
  const bool store_elsewhere = !options.store.empty() && !options.in_memory_store;
  if (!store_elsewhere) options.store = (options.state_dir / kDatabaseName).string();
  std::unique_ptr<store::Store> store =
      options.in_memory_store
          ? CERTKEEP_TRY(store::Store::open_in_memory())
          : CERTKEEP_TRY(store::Store::open(options.store,
                                            store::StoreOptions{.verify_integrity = options.verify_store}));
  // A store elsewhere (a PostgreSQL database): the state directory still holds live/, archive/
  // and the port locks. Made after the store opened, so a bad URL leaves nothing behind.
  if (store_elsewhere) CERTKEEP_TRY(deploy::ensure_private_directory(options.state_dir));
  auto processes = std::make_unique<deploy::PosixProcessRunner>();
  return std::unique_ptr<App>(new App(std::move(options), std::move(store), std::move(processes)));
}

App::App(AppOptions options, std::unique_ptr<store::Store> store,
         std::unique_ptr<deploy::ProcessRunner> processes)
    : options_(std::move(options)), store_(std::move(store)), processes_(std::move(processes)) {
  if (!options_.make_transport) options_.make_transport = curl_transport_factory();
  const bool default_solver = !options_.make_solver;
  if (default_solver) options_.make_solver = default_solver_factory(options_.state_dir);
  if (default_solver && store::is_postgres_location(options_.store)) {
    // A fleet's store: a lineage answered in process (a library node's HTTP-01 or TLS-ALPN-01
    // responder) is answered by every node from the store, so a renewer without a responder of
    // its own (the CLI, the daemon) can renew it too. The library passes its own factory (its
    // responders) and keeps it.
    SolverFactory base = options_.make_solver;
    options_.make_solver = [base](Services& services, const store::LineageRecord& lineage,
                                  ChallengeType type) -> Result<std::shared_ptr<Solver>> {
      const store::ChallengeMethod method = lineage.settings.challenge_method;
      if ((type == ChallengeType::Http01 && method == store::ChallengeMethod::Memory) ||
          (type == ChallengeType::TlsAlpn01 && method == store::ChallengeMethod::TlsAlpnMemory))
        return std::shared_ptr<Solver>();
      return base(services, lineage, type);
    };
  }
  const std::string location = options_.store;
  const store::StoreOptions store_options{.verify_integrity = false};
  lease_keeper_ = std::make_shared<LeaseKeeper>(
      [location, store_options] { return store::Store::open(location, store_options); },
      options_.lease_ttl.count() > 0 ? options_.lease_ttl
                                     : options_.issuance.poll_deadline + std::chrono::seconds(300),
      options_.clock ? *options_.clock : core::system_clock());
  services_ = std::make_unique<Services>(make_services(*store_));
}

App::~App() = default;

Services App::make_services(store::Store& store) {
  core::Clock& clock = options_.clock ? *options_.clock : core::system_clock();
  Services services{store,
                    clock,
                    options_.state_dir,
                    *processes_,
                    options_.make_transport,
                    options_.make_solver,
                    options_.progress,
                    options_.issuance};
  services.lease_ttl = options_.lease_ttl;
  services.lease_keeper = lease_keeper_;
  services.share_challenges = store::is_postgres_location(options_.store);
  services.notify_hook = options_.notify_hook;
  services.confirm.budget = options_.confirm_timeout;
  return services;
}

Result<LineageRecord> App::issue(const IssueRequest& request) {
  return lifecycle::issue(*services_, request);
}

Result<RenewSummary> App::renew(const RenewSelection& selection) {
  std::vector<WorkItem> work;
  const core::SystemTime now = services_->clock.now();
  if (selection.name) {
    auto lineage = CERTKEEP_TRY(store_->find_lineage(*selection.name));
    if (!lineage) return fail(Errc::InvalidArgument, "no lineage named " + *selection.name);
    work.push_back({lineage->name, lineage->serial});
  } else {
    auto chosen =
        selection.force ? CERTKEEP_TRY(store_->list_lineages()) : CERTKEEP_TRY(store_->due_lineages(now));
    // Lineages whose files or hook are still owed (a failed deploy or hook) are retried too,
    // and those whose renewalInfo is to be asked again (renew_lineage asks, then decides).
    auto owed = CERTKEEP_TRY(store_->deploy_pending_lineages());
    // And those with DNS-01 records a killed run left: renew_lineage removes them, due or not
    // (under the lineage's lease); a removed lineage's are removed here.
    if (!selection.dry_run) {
      for (const std::string& name : CERTKEEP_TRY(store_->lineages_with_dns_records())) {
        auto lineage = CERTKEEP_TRY(store_->find_lineage(name));
        if (lineage)
          owed.push_back(std::move(*lineage));
        else
          (void)repair_dns_records(*services_, name);
      }
    }
    if (!selection.force && !selection.dry_run) {
      auto ari_due = CERTKEEP_TRY(store_->ari_check_due(now));
      owed.insert(owed.end(), std::make_move_iterator(ari_due.begin()),
                  std::make_move_iterator(ari_due.end()));
    }
    std::unordered_set<std::string> listed;
    for (const LineageRecord& lineage : chosen) listed.insert(lineage.name);
    for (auto& lineage : owed)
      if (listed.insert(lineage.name).second) chosen.push_back(std::move(lineage));
    for (const LineageRecord& lineage : chosen) {
      if (lineage.status == store::LineageStatus::Revoked || lineage.status == store::LineageStatus::Imported)
        continue;
      if (selection.include && !selection.include(lineage.name)) continue;
      work.push_back({lineage.name, lineage.serial});
    }
  }

  RenewSummary summary;
  summary.expiring = CERTKEEP_TRY(
      check_imported_expiry(*services_, now, selection.name, !selection.dry_run, selection.include));
  if (!selection.dry_run) CERTKEEP_TRY(notify_expiring(*services_, now, selection.name, selection.include));
  summary.results.resize(work.size());
  RenewOptions base{selection.force, selection.dry_run, {}};
  const int workers = std::clamp(selection.concurrency, 1, 64);
  if (workers == 1 || work.size() <= 1) {
    for (std::size_t i = 0; i < work.size(); ++i) {
      RenewOptions options = base;
      options.expected_serial = work[i].serial;
      summary.results[i] = renew_lineage(*services_, work[i].name, options);
    }
    return summary;
  }

  // Each worker has its own store connection (a Store is single-threaded) and, through the
  // renewer, its own CA connection.
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  auto worker = [&] {
    auto store = store::Store::open(options_.store);
    if (!store) {
      for (std::size_t i = next++; i < work.size(); i = next++)
        summary.results[i] = RenewResult{work[i].name, RenewOutcome::Failed, work[i].serial, store.error()};
      return;
    }
    // One Services per worker, so its transport cache keeps one CA connection for all the
    // lineages this worker renews.
    Services services = make_services(**store);
    for (std::size_t i = next++; i < work.size(); i = next++) {
      RenewOptions options = base;
      options.expected_serial = work[i].serial;
      summary.results[i] = renew_lineage(services, work[i].name, options);
    }
  };
  for (int w = 0; w < std::min<int>(workers, static_cast<int>(work.size())); ++w) {
    auto thread = core::start_thread("renew worker", worker);
    if (!thread) {
      // The workers already running take the rest of the work; with none, this thread does it.
      core::log::warn(thread.error().to_string() + "; renewing with " + std::to_string(threads.size()) +
                      " worker(s)");
      break;
    }
    threads.push_back(std::move(*thread));
  }
  if (threads.empty()) {
    for (std::size_t i = next++; i < work.size(); i = next++) {
      RenewOptions options = base;
      options.expected_serial = work[i].serial;
      summary.results[i] = renew_lineage(*services_, work[i].name, options);
    }
  }
  for (std::thread& thread : threads) thread.join();
  return summary;
}

Result<std::vector<LineageRecord>> App::list() { return store_->list_lineage_summaries(); }

Result<LineageDetails> App::show(const std::string& name, std::size_t event_limit) {
  auto lineage = CERTKEEP_TRY(store_->find_lineage(name));
  if (!lineage) return fail(Errc::InvalidArgument, "no lineage named " + name);
  LineageDetails details;
  details.lineage = std::move(*lineage);
  details.events = CERTKEEP_TRY(
      store_->events(name, event_limit == 0 ? std::numeric_limits<std::size_t>::max() : event_limit));
  details.account = details.lineage.settings.account;
  if (details.lineage.account_id != 0) {
    if (auto account = store_->get_account(details.lineage.account_id); account && !account->name.empty())
      details.account = account->name;
  }
  return details;
}

Result<void> App::remove(const std::string& name) {
  auto lineage = CERTKEEP_TRY(store_->find_lineage(name));
  if (!lineage) return fail(Errc::InvalidArgument, "no lineage named " + name);
  // Files first: if that fails the lineage is still listed and the user can retry.
  CERTKEEP_TRY(deploy::remove_live_files(options_.state_dir, name));
  // DNS-01 records a killed run left go too; those that cannot stay noted for `renew`.
  (void)repair_dns_records(*services_, name);
  return store_->remove_lineage(name);
}

Result<void> App::revoke(const std::string& name, const std::string& reason_text) {
  if (auto lineage = CERTKEEP_TRY(store_->find_lineage(name));
      lineage && lineage->settings.issuer_kind == store::IssuerKind::PrivateCa)
    return fail(Errc::InvalidArgument,
                "revoke: " + name + " is issued by private CA " + lineage->settings.ca_name +
                    ", which publishes no revocation list; `remove` it, or `renew --force` "
                    "for a new key");
  auto reason = acme::parse_revocation_reason(reason_text.empty() ? "unspecified" : reason_text);
  if (!reason)
    return fail(Errc::InvalidArgument,
                "unknown revocation reason \"" + reason_text +
                    "\" (unspecified, keyCompromise, superseded, cessationOfOperation)");
  auto lineage = CERTKEEP_TRY(store_->find_lineage(name));
  if (!lineage) return fail(Errc::InvalidArgument, "no lineage named " + name);
  if (lineage->cert_pem.empty()) return fail(Errc::InvalidArgument, name + " has no certificate to revoke");
  std::string der = CERTKEEP_TRY(crypto::certificate_der(lineage->cert_pem));
  std::unique_ptr<http::Transport> transport = CERTKEEP_TRY(services_->make_transport(lineage->settings));
  std::unique_ptr<acme::Client> client =
      CERTKEEP_TRY(acme::Client::connect(*transport, lineage->settings.directory_url, services_->clock));
  // Revoked with the account that ordered it (any account of the CA may revoke its own orders).
  const AccountChoice choice{lineage->settings.account, lineage->settings.directory_url,
                             lineage->settings.ca_bundle, lineage->settings.server_ca_checksum};
  CERTKEEP_TRY(ensure_account(
      *store_, *client, choice, lineage->account_id,
      AccountOptions{.email = lineage->settings.email, .agree_terms_of_service = true}, services_->progress));
  CERTKEEP_TRY(acme::revoke_certificate(*client, der, *reason));
  CERTKEEP_TRY(store_->set_status(name, store::LineageStatus::Revoked));
  store::EventRecord event;
  event.lineage = name;
  event.kind = store::HistoryKind::Revoked;
  event.serial = lineage->serial;
  event.detail = "reason " + (reason_text.empty() ? std::string("unspecified") : reason_text);
  event.at = services_->clock.now();
  return store_->append_event(event);
}

void App::set_stop_token(std::stop_token stop) {
  options_.issuance.stop = stop;
  services_->issuance.stop = stop;
}

Result<std::unique_ptr<store::Store>> App::open_store_connection() const {
  return store::Store::open(options_.store);
}

Result<void> App::update_settings(const std::string& name, const LineageSettings& settings) {
  return store_->update_settings(name, settings);
}

}  // namespace certkeep::lifecycle
