// SPDX-License-Identifier: Apache-2.0
// SqliteStore: leases, so two processes never renew the same lineage at once. The database is
// the only thing every certkeep process shares, so the lock lives there; a lease expires by
// itself, so a crashed holder cannot block renewals forever.
#include <SQLiteCpp/Statement.h>

#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

Result<bool> SqliteStore::try_acquire_lease(const std::string& name, const std::string& owner, SystemTime now,
                                            std::chrono::seconds ttl, const LeaseAbandoned& abandoned) {
  if (owner.empty()) return fail(Errc::InvalidArgument, "lease on " + name + ": no owner");
  if (ttl.count() <= 0) return fail(Errc::InvalidArgument, "lease on " + name + ": ttl must be positive");
  // write() is BEGIN IMMEDIATE: the check and the take happen under the write lock, so two
  // processes cannot both see the lease free.
  // Unsynced: after a power cut no process holds a lease any more.
  return write(
      "acquire lease on " + name,
      [&]() -> Result<bool> {
        StatementLease holder = statements_.get("SELECT owner, expires_at FROM leases WHERE name = ?1");
        holder->bind(1, name);
        if (holder->executeStep()) {
          const std::string holder_owner = holder->getColumn(0).getString();
          const bool ours = holder_owner == owner;
          const bool expired = holder->getColumn(1).getInt64() <= unix_seconds(now);
          if (!ours && !expired && !(abandoned && abandoned(holder_owner))) return false;
        }
        holder->reset();
        StatementLease take =
            statements_.get("INSERT OR REPLACE INTO leases (name, owner, expires_at) VALUES (?1, ?2, ?3)");
        take->bind(1, name);
        take->bind(2, owner);
        bind_time(take, 3, now + ttl);
        take->exec();
        return true;
      },
      Commit::Unsynced);
}

Result<void> SqliteStore::release_lease(const std::string& name, const std::string& owner) {
  // Unsynced: a release lost in a power cut ends with the lease's expiry.
  return write(
      "release lease on " + name,
      [&]() -> Result<void> {
        // Only the holder's own lease: one that expired and was taken over is not ours to drop.
        StatementLease release = statements_.get("DELETE FROM leases WHERE name = ?1 AND owner = ?2");
        release->bind(1, name);
        release->bind(2, owner);
        release->exec();
        return {};
      },
      Commit::Unsynced);
}

}  // namespace certkeep::store
