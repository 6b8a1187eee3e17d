// SPDX-License-Identifier: Apache-2.0
#include "lifecycle/shared_challenges.hpp"

#include "challenge/token.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "lifecycle/http01_responder.hpp"

namespace certkeep::lifecycle {
namespace {

class SharingSolver final : public Solver {
 public:
  SharingSolver(std::shared_ptr<Solver> inner, store::Store& store, std::string lineage, std::string owner,
                core::SystemTime expires_at)
      : inner_(std::move(inner)),
        store_(store),
        lineage_(std::move(lineage)),
        owner_(std::move(owner)),
        expires_at_(expires_at) {}

  Result<void> present(const Http01Challenge& challenge) override {
    CERTKEEP_TRY(challenge::check_http01_challenge(challenge));
    if (inner_) CERTKEEP_TRY(inner_->present(challenge));
    auto saved = store_.save_challenge(store::ChallengeRecord{store::ChallengeKind::Http01,
                                                              core::to_lower(challenge.identifier), challenge.token,
                                                              challenge.key_authorization, lineage_, owner_,
                                                              expires_at_});
    if (!saved) return fail(std::move(saved).error().with_context("share the challenge for " + challenge.identifier));
    return {};
  }

  void cleanup(const Http01Challenge& challenge) noexcept override {
    if (inner_) inner_->cleanup(challenge);
    // A removal that fails is swept once the answer expires (SharedAnswers never serves it
    // past its expiry meanwhile).
    if (auto removed = store_.remove_challenge(store::ChallengeKind::Http01, core::to_lower(challenge.identifier),
                                               challenge.token);
        !removed)
      core::log::warn("remove the shared challenge for " + challenge.identifier + ": " +
                      removed.error().to_string());
  }

 private:
  std::shared_ptr<Solver> inner_;
  store::Store& store_;
  std::string lineage_;
  std::string owner_;
  core::SystemTime expires_at_;
};

}  // namespace

std::shared_ptr<Solver> share_challenges(std::shared_ptr<Solver> inner, store::Store& store, std::string lineage,
                                         std::string owner, core::SystemTime expires_at) {
  return std::make_shared<SharingSolver>(std::move(inner), store, std::move(lineage), std::move(owner),
                                         expires_at);
}

SharedAnswers::SharedAnswers(StoreOpener open, core::Clock& clock) : open_(std::move(open)), clock_(clock) {}

void SharedAnswers::replace(std::vector<store::ChallengeRecord> pending) {
  std::map<std::pair<std::string, std::string>, std::string> answers;
  for (store::ChallengeRecord& record : pending)
    if (record.kind == store::ChallengeKind::Http01)
      answers[{record.identifier, record.token}] = std::move(record.response);
  std::lock_guard lock(mutex_);
  answers_ = std::move(answers);
}

Result<void> SharedAnswers::reload(store::Store& store) {
  replace(CERTKEEP_TRY(store.pending_challenges(store::ChallengeKind::Http01, clock_.now())));
  return {};
}

std::size_t SharedAnswers::size() const {
  std::lock_guard lock(mutex_);
  return answers_.size();
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
  if (!miss_store_) {
    auto opened = open_();
    if (!opened) {
      core::log::warn("shared challenges: " + opened.error().to_string());
      return std::nullopt;
    }
    miss_store_ = std::move(*opened);
  }
  auto found = miss_store_->find_challenge(store::ChallengeKind::Http01, wanted, token, clock_.now());
  if (!found) {
    core::log::warn("shared challenges: " + found.error().to_string());
    return std::nullopt;
  }
  if (!*found) return std::nullopt;
  std::lock_guard lock(mutex_);
  answers_[{wanted, token}] = (*found)->response;  // until the next reload (its cleanup's change)
  return (*found)->response;
}

std::optional<std::string> SharedAnswers::known(const std::string& host, const std::string& token) const {
  std::lock_guard lock(mutex_);
  if (auto found = answers_.find({host, token}); found != answers_.end()) return found->second;
  return std::nullopt;
}

}  // namespace certkeep::lifecycle
