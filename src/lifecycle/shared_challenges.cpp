// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/shared_challenges.hpp"

#include "challenge/token.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/tls_alpn.hpp"
#include "deploy/tls_swap.hpp"
#include "lifecycle/http01_responder.hpp"

namespace certkeep::lifecycle {
namespace {

store::ChallengeKind kind_of(ChallengeType type) noexcept {
  return type == ChallengeType::TlsAlpn01 ? store::ChallengeKind::TlsAlpn01 : store::ChallengeKind::Http01;
}

class SharingSolver final : public Solver {
 public:
  using Solver::cleanup;
  using Solver::present;

  SharingSolver(std::shared_ptr<Solver> inner, ChallengeType type, store::Store& store, std::string lineage,
                std::string owner, core::SystemTime expires_at)
      : inner_(std::move(inner)),
        type_(type),
        store_(store),
        lineage_(std::move(lineage)),
        owner_(std::move(owner)),
        expires_at_(expires_at) {}

  ChallengeType type() const noexcept override { return type_; }

  Result<void> check(const std::vector<std::string>& names) override {
    return inner_ ? inner_->check(names) : Result<void>();
  }

  Result<void> present(std::span<const Challenge> challenges) override {
    for (const Challenge& challenge : challenges) {
      if (challenge.type != type_)
        return fail(Errc::InvalidArgument, "a " + std::string(to_string(challenge.type)) +
                                               " challenge given to the shared " + std::string(to_string(type_)) +
                                               " solver");
      CERTKEEP_TRY(challenge::check_http01_challenge(challenge));  // the same token grammar for both
    }
    if (inner_) CERTKEEP_TRY(inner_->present(challenges));
    for (const Challenge& challenge : challenges) {
      auto saved = store_.save_challenge(store::ChallengeRecord{kind_of(type_), core::to_lower(challenge.identifier),
                                                                challenge.token, challenge.key_authorization,
                                                                lineage_, owner_, expires_at_});
      if (!saved)
        return fail(std::move(saved).error().with_context("share the challenge for " + challenge.identifier));
    }
    return {};
  }

  Result<void> wait_until_ready(std::span<const Challenge> challenges, std::stop_token stop) override {
    return inner_ ? inner_->wait_until_ready(challenges, std::move(stop)) : Result<void>();
  }

  void cleanup(std::span<const Challenge> challenges) noexcept override {
    if (inner_) inner_->cleanup(challenges);
    // A removal that fails is swept once the answer expires (SharedAnswers never serves it
    // past its expiry meanwhile).
    for (const Challenge& challenge : challenges)
      if (auto removed = store_.remove_challenge(kind_of(type_), core::to_lower(challenge.identifier), challenge.token);
          !removed)
        core::log::warn("remove the shared challenge for " + challenge.identifier + ": " +
                        removed.error().to_string());
  }

 private:
  std::shared_ptr<Solver> inner_;
  ChallengeType type_;
  store::Store& store_;
  std::string lineage_;
  std::string owner_;
  core::SystemTime expires_at_;
};

}  // namespace

std::shared_ptr<Solver> share_challenges(std::shared_ptr<Solver> inner, ChallengeType type, store::Store& store,
                                         std::string lineage, std::string owner, core::SystemTime expires_at) {
  return std::make_shared<SharingSolver>(std::move(inner), type, store, std::move(lineage), std::move(owner),
                                         expires_at);
}

SharedAnswers::SharedAnswers(StoreOpener open, core::Clock& clock) : open_(std::move(open)), clock_(clock) {}

void SharedAnswers::replace(std::vector<store::ChallengeRecord> pending) {
  std::map<std::pair<std::string, std::string>, std::string> answers;
  std::map<std::string, TlsAlpnAnswer, std::less<>> tls_alpn;
  for (store::ChallengeRecord& record : pending) {
    if (record.kind == store::ChallengeKind::Http01)
      answers[{record.identifier, record.token}] = std::move(record.response);
    else if (record.kind == store::ChallengeKind::TlsAlpn01)
      tls_alpn[record.identifier] = TlsAlpnAnswer{std::move(record.token), std::move(record.response), nullptr};
  }
  std::lock_guard lock(mutex_);
  // A validation certificate already made for the same challenge is kept, not made again.
  for (auto& [identifier, answer] : tls_alpn)
    if (auto old = tls_alpn_.find(identifier); old != tls_alpn_.end() && old->second.token == answer.token &&
                                               old->second.key_authorization == answer.key_authorization)
      answer.certificate = old->second.certificate;
  answers_ = std::move(answers);
  tls_alpn_ = std::move(tls_alpn);
}

Result<void> SharedAnswers::reload(store::Store& store) {
  std::vector<store::ChallengeRecord> pending =
      CERTKEEP_TRY(store.pending_challenges(store::ChallengeKind::Http01, clock_.now()));
  std::vector<store::ChallengeRecord> tls_alpn =
      CERTKEEP_TRY(store.pending_challenges(store::ChallengeKind::TlsAlpn01, clock_.now()));
  pending.insert(pending.end(), std::make_move_iterator(tls_alpn.begin()), std::make_move_iterator(tls_alpn.end()));
  replace(std::move(pending));
  return {};
}

std::size_t SharedAnswers::size() const {
  std::lock_guard lock(mutex_);
  return answers_.size() + tls_alpn_.size();
}

std::shared_ptr<const CertifiedKey> SharedAnswers::tls_alpn_certificate(std::string_view server_name) const {
  if (!knows_tls_alpn(server_name) && !read_tls_alpn_on_miss(server_name)) return nullptr;
  std::string token;
  std::string key_authorization;
  {
    std::lock_guard lock(mutex_);
    auto found = tls_alpn_.find(server_name);
    if (found == tls_alpn_.end()) return nullptr;
    if (found->second.certificate) return found->second.certificate;
    token = found->second.token;
    key_authorization = found->second.key_authorization;
  }
  // Made outside the lock (a key generation): other handshakes are not held up meanwhile.
  const std::string identifier(server_name);
  auto made = crypto::make_tls_alpn_certificate(identifier, key_authorization);
  if (!made) {
    core::log::warn("shared challenges: tls-alpn-01 for " + identifier + ": " + made.error().to_string());
    return nullptr;
  }
  auto certificate =
      deploy::make_certified_key("tls-alpn-01 " + identifier, made->cert_pem, "", made->key_pem.view());
  if (!certificate) {
    core::log::warn("shared challenges: tls-alpn-01 for " + identifier + ": " + certificate.error().to_string());
    return nullptr;
  }
  std::lock_guard lock(mutex_);
  if (auto found = tls_alpn_.find(server_name); found != tls_alpn_.end() && found->second.token == token)
    found->second.certificate = *certificate;
  return *certificate;
}

std::optional<std::string> SharedAnswers::answer(std::string_view host, std::string_view raw_path) const {
  if (!raw_path.starts_with(challenge::kChallengePathPrefix)) return std::nullopt;
  const std::string token(raw_path.substr(challenge::kChallengePathPrefix.size()));
  if (!challenge::is_valid_token(token)) return std::nullopt;
  const std::string wanted = host_without_port(host);
  if (auto found = known(wanted, token)) return found;
  // Not (yet) here: the change that brings it may still be on its way. One read at a time; a
  // request that waited for another's read may find its answer brought by it.
  std::unique_lock reading(miss_mutex_, kMissWait);
  if (!reading.owns_lock()) return std::nullopt;
  if (auto found = known(wanted, token)) return found;
  store::Store* store = miss_store();
  if (store == nullptr) return std::nullopt;
  auto found = store->find_challenge(store::ChallengeKind::Http01, wanted, token, clock_.now());
  if (!found) {
    core::log::warn("shared challenges: " + found.error().to_string());
    return std::nullopt;
  }
  if (!*found) return std::nullopt;
  std::lock_guard lock(mutex_);
  answers_[{wanted, token}] = (*found)->response;  // until the next reload (its cleanup's change)
  return (*found)->response;
}

bool SharedAnswers::knows_tls_alpn(std::string_view server_name) const {
  std::lock_guard lock(mutex_);
  return tls_alpn_.find(server_name) != tls_alpn_.end();
}

bool SharedAnswers::read_tls_alpn_on_miss(std::string_view server_name) const {
  std::unique_lock reading(miss_mutex_, kMissWait);
  if (!reading.owns_lock()) return false;
  if (knows_tls_alpn(server_name)) return true;  // the read this one waited for brought it
  store::Store* store = miss_store();
  if (store == nullptr) return false;
  auto pending = store->pending_challenges(store::ChallengeKind::TlsAlpn01, clock_.now());
  if (!pending) {
    core::log::warn("shared challenges: " + pending.error().to_string());
    return false;
  }
  std::lock_guard lock(mutex_);
  // Added until the next reload (the cleanup's change); entries known here are kept, with the
  // validation certificates already made for them.
  for (store::ChallengeRecord& record : *pending)
    tls_alpn_.try_emplace(record.identifier,
                          TlsAlpnAnswer{std::move(record.token), std::move(record.response), nullptr});
  return tls_alpn_.find(server_name) != tls_alpn_.end();
}

store::Store* SharedAnswers::miss_store() const {
  if (!miss_store_) {
    auto opened = open_();
    if (!opened) {
      core::log::warn("shared challenges: " + opened.error().to_string());
      return nullptr;
    }
    miss_store_ = std::move(*opened);
  }
  return miss_store_.get();
}

std::optional<std::string> SharedAnswers::known(const std::string& host, const std::string& token) const {
  std::lock_guard lock(mutex_);
  if (auto found = answers_.find({host, token}); found != answers_.end()) return found->second;
  return std::nullopt;
}

}  // namespace certkeep::lifecycle
