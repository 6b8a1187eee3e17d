// SPDX-License-Identifier: Apache-2.0
// SqlStore: challenge answers pending at the CA, shared by every node of a fleet, so the CA's
// request is answered whichever node it reaches and whichever node ordered.
#include "core/result_macros.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {
namespace {

constexpr std::string_view kChallengeColumns = "kind, identifier, token, response, lineage, owner, expires_at";

Result<ChallengeRecord> read_challenge(const sql::Statement& row) {
  auto kind = parse_challenge_kind(row.text(0));
  if (!kind) return fail(Errc::Store, "challenge " + row.text(2) + " has an unknown kind '" + row.text(0) + "'");
  return ChallengeRecord{*kind,       row.text(1), row.text(2), row.text(3),
                         row.text(4), row.text(5), read_time(row, 6)};
}

Result<std::vector<ChallengeRecord>> read_challenges(sql::Statement& select) {
  std::vector<ChallengeRecord> records;
  while (CERTKEEP_TRY(select.step())) records.push_back(CERTKEEP_TRY(read_challenge(select)));
  return records;
}

}  // namespace

Result<void> SqlStore::save_challenge(const ChallengeRecord& challenge) {
  if (challenge.identifier.empty() || challenge.response.empty())
    return fail(Errc::InvalidArgument, "save challenge: identifier and response are required");
  // Unsynced: an answer lost in a server crash fails that one validation, which is retried.
  return write(
      "save challenge answer for " + challenge.identifier,
      [&]() -> Result<void> {
        StatementLease upsert = CERTKEEP_TRY(statements_.get(
            "INSERT INTO challenges (" + std::string(kChallengeColumns) +
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (kind, identifier, token) DO UPDATE SET "
            "response = excluded.response, lineage = excluded.lineage, owner = excluded.owner, "
            "expires_at = excluded.expires_at"));
        upsert->bind_text(1, to_string(challenge.kind));
        upsert->bind_text(2, challenge.identifier);
        upsert->bind_text(3, challenge.token);
        upsert->bind_text(4, challenge.response);
        upsert->bind_text(5, challenge.lineage);
        upsert->bind_text(6, challenge.owner);
        bind_time(*upsert, 7, challenge.expires_at);
        CERTKEEP_TRY(upsert->execute());
        return record_change(ChangeKind::Challenge, challenge.token);
      },
      Commit::Unsynced);
}

Result<void> SqlStore::remove_challenge(ChallengeKind kind, const std::string& identifier,
                                        const std::string& token) {
  return write(
      "remove challenge answer for " + identifier,
      [&]() -> Result<void> {
        StatementLease remove = CERTKEEP_TRY(statements_.get(
            "DELETE FROM challenges WHERE kind = ?1 AND identifier = ?2 AND token = ?3"));
        remove->bind_text(1, to_string(kind));
        remove->bind_text(2, identifier);
        remove->bind_text(3, token);
        if (CERTKEEP_TRY(remove->execute()) == 0) return {};
        return record_change(ChangeKind::Challenge, token);
      },
      Commit::Unsynced);
}

Result<std::optional<ChallengeRecord>> SqlStore::find_challenge(ChallengeKind kind, const std::string& identifier,
                                                                const std::string& token, SystemTime now) {
  return read("read challenge answer for " + identifier, [&]() -> Result<std::optional<ChallengeRecord>> {
    StatementLease select = CERTKEEP_TRY(
        statements_.get("SELECT " + std::string(kChallengeColumns) +
                        " FROM challenges WHERE kind = ?1 AND identifier = ?2 AND token = ?3 AND expires_at > ?4"));
    select->bind_text(1, to_string(kind));
    select->bind_text(2, identifier);
    select->bind_text(3, token);
    bind_time(*select, 4, now);
    if (!CERTKEEP_TRY(select->step())) return std::nullopt;
    return CERTKEEP_TRY(read_challenge(*select));
  });
}

Result<std::vector<ChallengeRecord>> SqlStore::pending_challenges(ChallengeKind kind, SystemTime now) {
  return read("read pending challenge answers", [&]() -> Result<std::vector<ChallengeRecord>> {
    StatementLease select = CERTKEEP_TRY(statements_.get(
        "SELECT " + std::string(kChallengeColumns) + " FROM challenges WHERE kind = ?1 AND expires_at > ?2"));
    select->bind_text(1, to_string(kind));
    bind_time(*select, 2, now);
    return read_challenges(*select);
  });
}

Result<std::vector<ChallengeRecord>> SqlStore::sweep_challenges(SystemTime now, const LeaseAbandoned& abandoned) {
  return write(
      "sweep challenge answers",
      [&]() -> Result<std::vector<ChallengeRecord>> {
        std::vector<ChallengeRecord> all;
        {
          StatementLease select =
              CERTKEEP_TRY(statements_.get("SELECT " + std::string(kChallengeColumns) + " FROM challenges"));
          all = CERTKEEP_TRY(read_challenges(*select));
        }
        std::vector<ChallengeRecord> swept;
        for (ChallengeRecord& challenge : all) {
          const bool expired = challenge.expires_at <= now;
          if (!expired && !(abandoned && abandoned(challenge.owner))) continue;
          StatementLease remove = CERTKEEP_TRY(statements_.get(
              "DELETE FROM challenges WHERE kind = ?1 AND identifier = ?2 AND token = ?3"));
          remove->bind_text(1, to_string(challenge.kind));
          remove->bind_text(2, challenge.identifier);
          remove->bind_text(3, challenge.token);
          CERTKEEP_TRY(remove->execute());
          CERTKEEP_TRY(record_change(ChangeKind::Challenge, challenge.token));
          swept.push_back(std::move(challenge));
        }
        return swept;
      },
      Commit::Unsynced);
}

}  // namespace certkeep::store
