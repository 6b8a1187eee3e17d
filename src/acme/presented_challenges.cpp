// SPDX-License-Identifier: Apache-2.0
#include "acme/presented_challenges.hpp"

#include "core/base64url.hpp"
#include "core/log.hpp"
#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "crypto/hash.hpp"

namespace certkeep::acme {

certkeep::Challenge solver_challenge(const Authorization& authorization, const Challenge& challenge,
                                     std::string_view thumbprint) {
  certkeep::Challenge out;
  out.type = challenge.known_type.value_or(ChallengeType::Http01);
  out.identifier = core::to_lower(authorization.identifier);
  out.wildcard = authorization.wildcard;
  out.token = challenge.token;
  out.key_authorization = key_authorization(challenge.token, thumbprint);
  if (out.type == ChallengeType::Dns01)
    out.dns_txt_value = core::base64url_encode(crypto::sha256(out.key_authorization));
  return out;
}

void PresentedChallenges::add(Solver& solver, certkeep::Challenge challenge) {
  for (Batch& batch : batches_) {
    if (batch.solver == &solver) {
      batch.challenges.push_back(std::move(challenge));
      return;
    }
  }
  batches_.push_back(Batch{&solver, {std::move(challenge)}, false});
}

Result<void> PresentedChallenges::present_and_wait(std::stop_token stop) {
  for (Batch& batch : batches_) {
    if (batch.presented) continue;
    batch.presented = true;  // before the call: a present() that fails part-way is cleaned up too
    CERTKEEP_TRY(batch.solver->present(batch.challenges));
  }
  // Every batch is published before the first wait, so DNS propagation of one zone overlaps the
  // others instead of adding up.
  for (Batch& batch : batches_) CERTKEEP_TRY(batch.solver->wait_until_ready(batch.challenges, stop));
  return {};
}

void PresentedChallenges::cleanup_all() noexcept {
  for (Batch& batch : batches_) {
    if (!batch.presented) continue;
    batch.presented = false;
    batch.solver->cleanup(batch.challenges);
  }
  batches_.clear();
}

}  // namespace certkeep::acme
