// SPDX-License-Identifier: Apache-2.0
// SqlStore: leases, so two processes never renew the same lineage at once. The database is
// the only thing every certkeep process shares, so the lock lives there; a lease expires by
// itself, so a crashed holder cannot block renewals forever.
#include "core/result_macros.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<bool> SqlStore::try_acquire_lease(const std::string& name, const std::string& owner, SystemTime now,
                                         std::chrono::seconds ttl, const LeaseAbandoned& abandoned) {
  if (owner.empty()) return fail(Errc::InvalidArgument, "lease on " + name + ": no owner");
  if (ttl.count() <= 0) return fail(Errc::InvalidArgument, "lease on " + name + ": ttl must be positive");
  // write() holds the store's write lock: the check and the take happen under it, so two
  // processes cannot both see the lease free.
  // Unsynced: after a power cut no process holds a lease any more.
  return write(
      "acquire lease on " + name,
      [&]() -> Result<bool> {
        {
          StatementLease holder =
              CERTKEEP_TRY(statements_.get("SELECT owner, expires_at FROM leases WHERE name = ?1"));
          holder->bind_text(1, name);
          if (CERTKEEP_TRY(holder->step())) {
            const std::string holder_owner = holder->text(0);
            const bool ours = holder_owner == owner;
            const bool expired = holder->int64(1) <= unix_seconds(now);
            if (!ours && !expired && !(abandoned && abandoned(holder_owner))) return false;
          }
        }
        StatementLease take = CERTKEEP_TRY(statements_.get(
            "INSERT INTO leases (name, owner, expires_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at"));
        take->bind_text(1, name);
        take->bind_text(2, owner);
        bind_time(*take, 3, now + ttl);
        CERTKEEP_TRY(take->execute());
        return true;
      },
      Commit::Unsynced);
}

Result<void> SqlStore::release_lease(const std::string& name, const std::string& owner) {
  // Unsynced: a release lost in a power cut ends with the lease's expiry.
  return write(
      "release lease on " + name,
      [&]() -> Result<void> {
        // Only the holder's own lease: one that expired and was taken over is not ours to drop.
        StatementLease release =
            CERTKEEP_TRY(statements_.get("DELETE FROM leases WHERE name = ?1 AND owner = ?2"));
        release->bind_text(1, name);
        release->bind_text(2, owner);
        CERTKEEP_TRY(release->execute());
        return {};
      },
      Commit::Unsynced);
}

}  // namespace certkeep::store
