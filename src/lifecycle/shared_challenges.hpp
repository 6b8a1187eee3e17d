// SPDX-License-Identifier: Apache-2.0
// Shared challenge answers: in a fleet (one PostgreSQL store, several nodes behind one name)
// the CA's HTTP-01 request reaches whichever node the balancer picks, not necessarily the one
// that ordered. So the renewal that presents a challenge also saves its answer in the store
// (share_challenges), and every node answers from what the store holds (SharedAnswers): loaded
// through the change feed, read from the store directly on a miss.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certkeep/solver.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace certkeep::lifecycle {

// A renewal's solver that also saves each challenge it presents in `store` (HTTP-01, until
// `expires_at` — the renewal's lease — at the latest) and removes it at cleanup. `inner`
// presents it locally too (a node's own responder); nullptr when only the store answers (a
// renewer whose fleet's nodes serve the challenges). Used on the renewal's own thread, as its
// store connection is. A store error fails present() (the order is not validated then).
std::shared_ptr<Solver> share_challenges(std::shared_ptr<Solver> inner, store::Store& store, std::string lineage,
                                         std::string owner, core::SystemTime expires_at);

// A node's view of the pending answers of the whole fleet. Thread-safe.
class SharedAnswers {
 public:
  using StoreOpener = std::function<Result<std::unique_ptr<store::Store>>()>;

  // `open` makes the connection for reads on a miss (when first needed).
  SharedAnswers(StoreOpener open, core::Clock& clock);

  // The pending HTTP-01 answers as the store has them now (after a Challenge change).
  void replace(std::vector<store::ChallengeRecord> pending);
  // Reads them from the store (the change follower's start and resynchronisation).
  Result<void> reload(store::Store& store);

  // The key authorization for GET `raw_path` on `host` (Http01Responder's rules), or nullopt.
  // A well-formed token not known here is read from the store, one such read at a time: a
  // request arriving meanwhile waits for it (at most kMissWait, then "not found") and finds
  // its answer when that read brought it (a CA's validators ask the same URL at once), so a
  // flood of unknown tokens costs the store one read at a time.
  std::optional<std::string> answer(std::string_view host, std::string_view raw_path) const;

  std::size_t size() const;

 private:
  StoreOpener open_;
  core::Clock& clock_;
  std::optional<std::string> known(const std::string& host, const std::string& token) const;

  mutable std::mutex mutex_;  // answers_ (a miss read adds to it)
  mutable std::map<std::pair<std::string, std::string>, std::string> answers_;  // (host, token) → key authorization
  static constexpr std::chrono::milliseconds kMissWait{2000};
  mutable std::timed_mutex miss_mutex_;  // miss_store_, one read at a time
  mutable std::unique_ptr<store::Store> miss_store_;
};

}  // namespace certkeep::lifecycle
