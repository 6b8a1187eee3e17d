// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/manager_impl.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/private_ca.hpp"
#include "lifecycle/dns_solvers.hpp"
#include "lifecycle/eab_input.hpp"
#include "lifecycle/import.hpp"
#include "lifecycle/lineage_solvers.hpp"
#include "lifecycle/on_demand.hpp"
#include "lifecycle/private_ca.hpp"
#include "lifecycle/request_checks.hpp"
#include "lifecycle/server_ca_pin.hpp"

namespace certkeep {

namespace {

bool same_names(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

constexpr std::chrono::milliseconds kServingBusyTimeout{1000};

bool same_dns(const store::DnsSettings& a, const store::DnsSettings& b) {
  return a.method == b.method && a.server == b.server && a.tsig_key_file == b.tsig_key_file && a.hook == b.hook &&
         a.resolver == b.resolver && a.ttl == b.ttl && a.propagation_timeout == b.propagation_timeout &&
         a.hook_timeout == b.hook_timeout;
}

bool same_settings(const store::LineageSettings& a, const store::LineageSettings& b) {
  return a.directory_url == b.directory_url && a.ca_bundle == b.ca_bundle && a.key_type == b.key_type &&
         a.challenge_method == b.challenge_method && a.email == b.email && a.issuer_kind == b.issuer_kind &&
         a.ca_name == b.ca_name && a.server_ca_checksum == b.server_ca_checksum && same_dns(a.dns, b.dns) &&
         a.challenge_overrides == b.challenge_overrides;
}

store::ChallengeMethod method_for(ChallengeType type) {
  switch (type) {
    case ChallengeType::Http01: return store::ChallengeMethod::Memory;
    case ChallengeType::TlsAlpn01: return store::ChallengeMethod::TlsAlpnMemory;
    case ChallengeType::Dns01: return store::ChallengeMethod::None;
  }
  return store::ChallengeMethod::Memory;
}

// The options' External Account Binding, checked.
Result<std::optional<acme::ExternalAccountBinding>> external_account_of(const ManagerOptions& options) {
  lifecycle::EabInput input{
      .key_id = options.eab_key_id, .mac_key_source = "eab_mac_key", .algorithm = options.eab_algorithm};
  if (!options.eab_mac_key.empty()) input.mac_key = core::Secret(options.eab_mac_key);
  return lifecycle::parse_eab_input(input);
}

}  // namespace

Manager::Impl::Impl(ManagerOptions options, std::unique_ptr<lifecycle::App> app,
                    std::shared_ptr<lifecycle::Http01Responder> responder,
                    std::shared_ptr<lifecycle::TlsAlpnResponder> tls_alpn, core::Clock& clock,
                    std::chrono::milliseconds min_sleep, std::unique_ptr<lifecycle::LineageReader> reader,
                    std::unique_ptr<lifecycle::ServedLineages> served)
    : options_(std::move(options)),
      clock_(clock),
      min_sleep_(min_sleep),
      responder_(std::move(responder)),
      tls_alpn_(std::move(tls_alpn)),
      reader_(std::move(reader)),
      served_(std::move(served)),
      app_(std::move(app)),
      // open() has just read the store (the index, or nothing to serve yet): the first
      // reconciliation is due one check_interval from now.
      last_reconcile_(clock.now()) {
  // open_manager checked the binding; a failure here cannot happen and leaves none.
  if (auto binding = external_account_of(options_)) external_account_ = std::move(*binding);
}

Manager::Impl::~Impl() {
  follower_.reset();  // its thread publishes into this Impl
  stop();
}

std::optional<std::string> Manager::Impl::http01_response(std::string_view host, std::string_view raw_path) const {
  if (auto mine = responder_->answer(host, raw_path)) return mine;
  if (shared_answers_) return shared_answers_->answer(host, raw_path);
  return std::nullopt;
}

std::shared_ptr<const CertifiedKey> Manager::Impl::acme_tls_alpn_certificate(std::string_view server_name) const {
  if (auto mine = tls_alpn_->certificate(server_name)) return mine;
  if (shared_answers_) return shared_answers_->tls_alpn_certificate(server_name);
  return nullptr;
}

void Manager::Impl::apply_changes(const std::vector<store::ChangeRecord>& changes, store::Store& store) {
  bool challenges = false;
  for (const store::ChangeRecord& change : changes) {
    switch (change.kind) {
      case store::ChangeKind::Challenge: challenges = true; break;
      // A removed managed lineage keeps serving its last certificate, as a pass does.
      case store::ChangeKind::LineageRemoved: lineage_removed(change.subject); break;
      case store::ChangeKind::Lineage:
        if (auto changed = lineage_changed(change.subject); !changed)
          core::log::warn("change feed: " + change.subject + ": " + changed.error().to_string());
        break;
    }
  }
  if (challenges && shared_answers_)
    if (auto reloaded = shared_answers_->reload(store); !reloaded)
      core::log::warn("change feed: challenge answers: " + reloaded.error().to_string());
}

void Manager::Impl::resync(store::Store& store) {
  for (const std::string& lineage : lineages())
    if (auto changed = lineage_changed(lineage); !changed)
      core::log::warn("change feed: " + lineage + ": " + changed.error().to_string());
  if (served_)
    if (auto resynced = served_->resynchronize(); !resynced)
      core::log::warn("change feed: " + resynced.error().to_string());
  if (shared_answers_)
    if (auto reloaded = shared_answers_->reload(store); !reloaded)
      core::log::warn("change feed: challenge answers: " + reloaded.error().to_string());
}

Result<void> Manager::Impl::follow_changes(std::shared_ptr<lifecycle::SharedAnswers> shared,
                                           lifecycle::ChangeFollowerOptions options) {
  shared_answers_ = std::move(shared);
  lifecycle::ChangeHandlers handlers{
      .apply = [this](const std::vector<store::ChangeRecord>& changes,
                      store::Store& store) { apply_changes(changes, store); },
      .resync = [this](store::Store& store) { resync(store); }};
  follower_ = CERTKEEP_TRY(lifecycle::ChangeFollower::start(std::move(options), std::move(handlers)));
  return {};
}

store::LineageSettings Manager::Impl::desired_settings(
    const std::optional<store::LineageRecord>& existing) const {
  // Keep what the CLI may have set (deploy hook, preferred chain, key reuse); the Manager owns
  // the CA, the key type and the challenge method.
  store::LineageSettings settings = existing ? existing->settings : store::LineageSettings{};
  settings.directory_url = options_.directory_url;
  settings.ca_bundle = options_.ca_bundle.string();
  settings.key_type = options_.key_type;
  settings.challenge_method = method_for(options_.challenge);
  // open_manager checked options_.dns01.
  settings.dns = options_.dns01 ? lifecycle::dns_settings_from(*options_.dns01).value_or(store::DnsSettings{})
                                : store::DnsSettings{};
  settings.challenge_overrides.clear();
  settings.email = options_.email;
  settings.server_ca_checksum = options_.server_ca_checksum;
  settings.issuer_kind = options_.private_ca.empty() ? store::IssuerKind::Acme : store::IssuerKind::PrivateCa;
  settings.ca_name = options_.private_ca;
  return settings;
}

Result<void> Manager::Impl::manage(const std::vector<std::string>& names_in, std::string lineage) {
  auto normalized = lifecycle::normalize_names(names_in);
  if (!normalized) return fail(std::move(normalized).error().with_context("manage"));
  const std::vector<std::string> names = std::move(*normalized);
  auto chosen = lifecycle::choose_lineage_name(lineage, names);
  if (!chosen) return fail(std::move(chosen).error().with_context("manage"));
  lineage = std::move(*chosen);
  std::optional<lifecycle::IssueRequest> request;
  std::vector<Event> events;
  Result<void> outcome;
  {
    std::lock_guard work(work_mutex_);
    store::Store& store = app_->services().store;
    bool served = false;
    {
      // Read and publish as one step (see publish_mutex_): only this lineage is read and parsed.
      std::lock_guard publishing(publish_mutex_);
      auto existing = CERTKEEP_TRY(store.find_lineage(lineage));
      const store::LineageSettings settings = desired_settings(existing);
      if (settings.issuer_kind == store::IssuerKind::Acme) {
        auto choice = lifecycle::challenge_choice(settings);
        auto types = choice ? lifecycle::challenge_types_for(*choice, names) : fail(std::move(choice).error());
        if (!types) return fail(std::move(types).error().with_context("manage"));
      }
      const bool usable = existing && !existing->cert_pem.empty() && same_names(existing->identifiers, names) &&
                          existing->not_after && *existing->not_after > clock_.now() &&
                          existing->status != store::LineageStatus::Revoked;
      if (usable) {
        // Serve what the store has; the renewal thread renews it when due, with these settings.
        if (!same_settings(existing->settings, settings)) {
          CERTKEEP_TRY(app_->update_settings(lineage, settings));
          existing->settings = settings;
        }
        add_managed(lineage);
        publish(*existing, false, events);
        served = true;
      } else {
        request = lifecycle::IssueRequest{
            .lineage = lineage,
            .names = names,
            .settings = settings,
            .account = {.email = options_.email,
                        .agree_terms_of_service = options_.agree_tos,
                        .external_account = external_account_},
            .placeholder = options_.placeholder};
      }
    }
    if (!served) {
      if (auto issued = app_->issue(*request); issued) {
        add_managed(lineage);
      } else {
        outcome = fail(std::move(issued).error().with_context("manage " + lineage));
        events.push_back(failed_event(lineage, outcome.error()));
        // The placeholder is served and the renewal thread keeps asking for the real one.
        auto after = store.find_lineage(lineage);
        if (after && *after && (*after)->serves_placeholder()) add_managed(lineage);
      }
      reload(lineage, events);
    }
  }
  {
    // The renewal thread recomputes its sleep with the new lineage.
    std::lock_guard lock(thread_mutex_);
    wake_requested_ = true;
  }
  wake_.notify_all();
  hub_->notify(events);
  return outcome;
}

Result<void> Manager::Impl::import(const std::string& lineage, const std::filesystem::path& cert_file,
                                   const std::filesystem::path& key_file,
                                   const std::filesystem::path& chain_file) {
  std::vector<Event> events;
  {
    std::lock_guard work(work_mutex_);
    CERTKEEP_TRY(lifecycle::import_certificate(
        app_->services(),
        lifecycle::ImportRequest{
            .lineage = lineage, .cert_file = cert_file, .key_file = key_file, .chain_file = chain_file}));
    add_managed(lineage);
    reload(lineage, events);
  }
  hub_->notify(events);
  return {};
}

Result<void> Manager::Impl::renew_now(const std::string& lineage) {
  std::vector<Event> events;
  Result<void> outcome;
  {
    std::lock_guard work(work_mutex_);
    if (!is_managed(lineage)) return fail(Errc::NotFound, "renew " + lineage + ": not managed by this Manager");
    auto summary = app_->renew(lifecycle::RenewSelection{.name = lineage, .force = true, .concurrency = 1});
    if (!summary) {
      outcome = fail(std::move(summary).error().with_context("renew " + lineage));
    } else if (summary->results.size() == 1) {
      const lifecycle::RenewResult& result = summary->results.front();
      if (result.outcome == lifecycle::RenewOutcome::Busy)
        outcome = fail(Errc::Busy, "renew " + lineage + ": another certkeep process is renewing it");
      else if (result.error)
        outcome = fail(result.error->with_context("renew " + lineage));
    }
    if (!outcome) events.push_back(failed_event(lineage, outcome.error()));
    reload(lineage, events);  // a failed deploy still committed the new certificate: serve it
  }
  hub_->notify(events);
  return outcome;
}

std::vector<std::string> Manager::Impl::lineages() const {
  std::lock_guard lock(managed_mutex_);
  return managed_;
}

bool Manager::Impl::is_managed(const std::string& lineage) const {
  std::lock_guard lock(managed_mutex_);
  return managed_set_.contains(lineage);
}

void Manager::Impl::add_managed(const std::string& lineage) {
  std::lock_guard lock(managed_mutex_);
  if (managed_set_.insert(lineage).second) managed_.push_back(lineage);
}

Event Manager::Impl::failed_event(const std::string& lineage, Error error) const {
  auto served = table_.of_lineage(lineage);
  return Event{EventKind::Failed, lineage, served ? served->serial() : "", std::move(error), clock_.now()};
}

void Manager::Impl::loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const std::chrono::milliseconds sleep = run_pass();
    std::unique_lock lock(thread_mutex_);
    wake_.wait_for(lock, stop, sleep, [this] { return wake_requested_; });
    wake_requested_ = false;
  }
}

Result<void> Manager::Impl::start() {
  std::lock_guard lock(thread_mutex_);
  if (thread_.joinable()) return fail(Errc::InvalidArgument, "Manager::start: already started");
  wake_requested_ = false;
  thread_ = std::jthread([this](std::stop_token stop) {
    {
      // A stop request also cuts short an order flow's polling.
      std::lock_guard work(work_mutex_);
      app_->set_stop_token(stop);
    }
    loop(stop);
  });
  return {};
}

bool Manager::Impl::is_running() const {
  std::lock_guard lock(thread_mutex_);
  return thread_.joinable();
}

void Manager::Impl::stop() noexcept {
  std::jthread thread;
  {
    std::lock_guard lock(thread_mutex_);
    if (!thread_.joinable()) return;
    thread_.request_stop();
    if (thread_.get_id() == std::this_thread::get_id()) return;  // from a callback: cannot join itself
    thread = std::move(thread_);
  }
  try {
    thread.join();
    std::lock_guard work(work_mutex_);
    app_->set_stop_token({});  // manage() and renew_now() after stop() must not be cancelled
  } catch (const std::exception& error) {
    core::log::error(std::string("Manager::stop: ") + error.what());
  }
}

Result<std::unique_ptr<OnDemandCertificates>> Manager::Impl::on_demand(const CertificateSource& self,
                                                                       OnDemandOptions options) {
  const std::string ca_name =
      options_.private_ca.empty() ? std::string(lifecycle::kDefaultCaName) : options_.private_ca;
  std::optional<crypto::CaMaterial> ca;
  {
    std::lock_guard work(work_mutex_);
    store::Store& store = app_->services().store;
    if (CERTKEEP_TRY(store.private_ca_generations(ca_name)).empty())
      CERTKEEP_TRY(
          lifecycle::init_private_ca(store, lifecycle::CaOptions{.name = ca_name}, false, clock_.now()));
    const auto generations = CERTKEEP_TRY(store.private_ca_generations(ca_name));
    auto active = std::find_if(generations.begin(), generations.end(), [](const store::PrivateCaRecord& g) {
      return g.state == store::CaState::Active;
    });
    if (active == generations.end())
      return fail(Errc::Store, "private CA " + ca_name + " has no active generation");
    ca.emplace(CERTKEEP_TRY(crypto::load_private_ca(active->key_pem.view(), active->cert_pem)));
  }
  auto impl =
      CERTKEEP_TRY(OnDemandCertificates::Impl::create(self, std::move(*ca), std::move(options), clock_));
  return std::make_unique<OnDemandCertificates>(std::move(impl));
}

Result<std::unique_ptr<Manager>> open_manager(ManagerOptions options, ManagerSeams seams) {
  options.directory_url = CERTKEEP_TRY(lifecycle::resolve_directory_url(options.directory_url));
  if (!options.ca_bundle.empty())
    options.ca_bundle = CERTKEEP_TRY(lifecycle::check_ca_bundle(options.ca_bundle, "ca_bundle"));
  if (options.check_interval <= std::chrono::seconds(0))
    return fail(Errc::InvalidArgument, "check_interval must be positive");
  if (!options.server_ca_checksum.empty())
    options.server_ca_checksum =
        CERTKEEP_TRY(lifecycle::check_server_ca_checksum(options.server_ca_checksum));
  if (!options.private_ca.empty()) CERTKEEP_TRY(lifecycle::check_ca_name(options.private_ca));
  if (options.dns01) CERTKEEP_TRY(lifecycle::dns_settings_from(*options.dns01));
  if (options.challenge == ChallengeType::Dns01 && !options.dns01)
    return fail(Errc::InvalidArgument, "challenge = Dns01 needs dns01 (an RFC 2136 server and key, or a hook)");
  CERTKEEP_TRY(external_account_of(options));  // a bad binding is refused now, not at the first issuance
  if (options.state_dir.empty()) options.state_dir = lifecycle::default_state_dir();

  auto responder = std::make_shared<lifecycle::Http01Responder>();
  auto tls_alpn = std::make_shared<lifecycle::TlsAlpnResponder>();
  lifecycle::AppOptions app_options;
  app_options.state_dir = options.state_dir;
  app_options.store = options.store;
  app_options.progress = [](std::string_view line) { core::log::info(line); };
  app_options.make_transport = std::move(seams.make_transport);
  // Every lineage of this Manager is validated through the terminator's own ports.
  app_options.make_solver = [responder, tls_alpn](lifecycle::Services& services, const store::LineageRecord& lineage,
                                                  ChallengeType type) -> Result<std::shared_ptr<Solver>> {
    switch (type) {
      case ChallengeType::Http01: return std::shared_ptr<Solver>(responder);
      case ChallengeType::TlsAlpn01: return std::shared_ptr<Solver>(tls_alpn);
      case ChallengeType::Dns01: return lifecycle::make_dns_solver(services, lineage);
    }
    return fail(Errc::InvalidArgument, std::string(to_string(type)) + " is not configured for this Manager");
  };
  app_options.clock = seams.clock;
  app_options.verify_store = options.verify_store;  // a long-lived process: check the store once at start
  app_options.issuance = seams.issuance;
  std::unique_ptr<lifecycle::App> app = CERTKEEP_TRY(lifecycle::App::open(std::move(app_options)));
  if (!options.private_ca.empty() &&
      CERTKEEP_TRY(app->services().store.private_ca_generations(options.private_ca)).empty())
    CERTKEEP_TRY(lifecycle::init_private_ca(app->services().store,
                                            lifecycle::CaOptions{.name = options.private_ca}, false,
                                            app->services().clock.now()));
  core::Clock& clock = seams.clock != nullptr ? *seams.clock : core::system_clock();
  std::unique_ptr<lifecycle::LineageReader> reader = std::move(seams.reader);
  if (!reader) {
    // Reads for serving never wait long for another process's write lock: a handshake
    // would rather fall back than stall.
    reader = std::make_unique<lifecycle::StoreLineageReader>(
        [location = app->store_location()] {
          return store::Store::open(location, store::StoreOptions{.busy_timeout = kServingBusyTimeout});
        },
        options.store_read_connections);
  }
  std::unique_ptr<lifecycle::ServedLineages> served;
  if (options.serve_all_lineages) {
    if (options.cache_max_certificates == 0 || options.cache_max_bytes == 0)
      return fail(Errc::InvalidArgument, "cache_max_certificates and cache_max_bytes must be positive");
    served = CERTKEEP_TRY(lifecycle::ServedLineages::open(
        *reader, deploy::CacheLimits{.max_certificates = options.cache_max_certificates,
                                     .max_bytes = options.cache_max_bytes}));
  }
  const std::string location = app->store_location();
  const bool fleet = store::is_postgres_location(location);
  const bool follow = options.follow_changes.value_or(fleet);
  auto impl = std::make_unique<Manager::Impl>(std::move(options), std::move(app), std::move(responder),
                                              std::move(tls_alpn), clock, seams.min_sleep, std::move(reader),
                                              std::move(served));
  if (follow) {
    std::shared_ptr<lifecycle::SharedAnswers> shared;
    if (fleet)
      shared = std::make_shared<lifecycle::SharedAnswers>(
          [location] { return store::Store::open(location); }, clock);
    CERTKEEP_TRY(impl->follow_changes(std::move(shared), lifecycle::ChangeFollowerOptions{.store_location = location}));
  }
  return std::make_unique<Manager>(std::move(impl));
}

}  // namespace certkeep
