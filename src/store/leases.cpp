// SPDX-License-Identifier: Apache-2.0
// SqlStore: leases, so one renewer at a time renews a lineage, across processes and the
// machines of a fleet. The database is the only thing every certkeep process shares, so the
// lock lives there; a lease expires by itself, so a crashed or paused holder cannot block
// renewals forever, and its fencing token keeps such a holder from writing once another took
// over.
#include "core/result_macros.hpp"
#include "store/event_rows.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {
namespace {

constexpr std::string_view kSelectLease = "SELECT owner, token, expires_at FROM leases WHERE name = ?1";

Result<std::optional<LeaseGrant>> select_lease(sql::StatementCache& statements, const std::string& name) {
  StatementLease holder = CERTKEEP_TRY(statements.get(kSelectLease));
  holder->bind_text(1, name);
  if (!CERTKEEP_TRY(holder->step())) return std::nullopt;
  return LeaseGrant{holder->text(0), holder->int64(1), read_time(*holder, 2)};
}

}  // namespace

Result<std::optional<LeaseGrant>> SqlStore::acquire_lease(const std::string& name, const std::string& owner,
                                                          SystemTime now, std::chrono::seconds ttl,
                                                          const LeaseAbandoned& abandoned) {
  if (owner.empty()) return fail(Errc::InvalidArgument, "lease on " + name + ": no owner");
  if (ttl.count() <= 0) return fail(Errc::InvalidArgument, "lease on " + name + ": ttl must be positive");
  // write() holds the store's write lock: the check and the take happen under it, so two
  // processes (on two machines alike) cannot both see the lease free.
  // Unsynced: after a power cut no process holds a lease any more; the token is made durable
  // by the next synced commit, and a lost increment only repeats a token nobody holds.
  auto granted = write(
      "acquire lease on " + name,
      [&]() -> Result<std::optional<LeaseGrant>> {
        auto current = CERTKEEP_TRY(select_lease(statements_, name));
        std::int64_t token = 1;
        if (current) {
          const bool ours = current->owner == owner;
          const bool free = current->owner.empty() || current->expires_at <= now;
          if (!ours && !free && !(abandoned && abandoned(current->owner))) return std::nullopt;
          // Still ours: the same token (a renewal re-taking its own lease is not a new holder).
          token = ours ? current->token : current->token + 1;
        }
        StatementLease take = CERTKEEP_TRY(statements_.get(
            "INSERT INTO leases (name, owner, expires_at, token) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at, "
            "token = excluded.token"));
        take->bind_text(1, name);
        take->bind_text(2, owner);
        bind_time(*take, 3, now + ttl);
        take->bind_int64(4, token);
        CERTKEEP_TRY(take->execute());
        return LeaseGrant{owner, token, now + ttl};
      },
      Commit::Unsynced);
  if (granted && *granted) fences_[name] = **granted;
  return granted;
}

Result<bool> SqlStore::extend_lease(const std::string& name, const std::string& owner, std::int64_t token,
                                    SystemTime now, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return fail(Errc::InvalidArgument, "lease on " + name + ": ttl must be positive");
  return write(
      "extend lease on " + name,
      [&]() -> Result<bool> {
        StatementLease extend = CERTKEEP_TRY(statements_.get(
            "UPDATE leases SET expires_at = ?4 WHERE name = ?1 AND owner = ?2 AND token = ?3"));
        extend->bind_text(1, name);
        extend->bind_text(2, owner);
        extend->bind_int64(3, token);
        bind_time(*extend, 4, now + ttl);
        return CERTKEEP_TRY(extend->execute()) == 1;
      },
      Commit::Unsynced);
}

Result<std::optional<LeaseGrant>> SqlStore::lease_of(const std::string& name) {
  return read("read lease on " + name, [&] { return select_lease(statements_, name); });
}

Result<void> SqlStore::release_lease(const std::string& name, const std::string& owner) {
  fences_.erase(name);
  // Unsynced: a release lost in a power cut ends with the lease's expiry.
  return write(
      "release lease on " + name,
      [&]() -> Result<void> {
        // Only the holder's own lease: one that expired and was taken over is not ours to
        // drop. The row stays, with its token, so the next holder's token is larger still.
        StatementLease release = CERTKEEP_TRY(statements_.get(
            "UPDATE leases SET owner = '', expires_at = 0 WHERE name = ?1 AND owner = ?2"));
        release->bind_text(1, name);
        release->bind_text(2, owner);
        CERTKEEP_TRY(release->execute());
        return {};
      },
      Commit::Unsynced);
}

Result<void> SqlStore::check_fence(const std::string& name) {
  auto fence = fences_.find(name);
  if (fence == fences_.end()) return {};
  auto current = CERTKEEP_TRY(select_lease(statements_, name));
  if (current && current->owner == fence->second.owner && current->token == fence->second.token) return {};
  const std::string holder =
      !current || current->owner.empty()
          ? std::string("nobody holds it now")
          : "it is held by " + current->owner + " with token " + std::to_string(current->token);
  return fail(Errc::FencedOut, "the lease on " + name + " was lost: this renewer (" + fence->second.owner +
                                   ", token " + std::to_string(fence->second.token) + ") was fenced out; " +
                                   holder + "; nothing was written");
}

Result<void> SqlStore::record_fenced_out(const std::string& name, const Error& error) {
  // Outside the refused transaction (rolled back): the refusal itself is history worth keeping.
  return write("record fenced-out write of " + name, [&] {
    return insert_event(statements_, EventRecord{0, name, HistoryKind::FencedOut, "", error.message(), store_now()});
  });
}

}  // namespace certkeep::store
