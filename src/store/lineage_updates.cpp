// SPDX-License-Identifier: Apache-2.0
// SqliteStore: the writes of a lineage's life cycle (issuance, failure, deployment, hook), each
// one transaction that also appends its event, so the history never disagrees with the state.
#include <SQLiteCpp/Statement.h>

#include "store/event_rows.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {
namespace {

// Marks a last_error written by record_deploy_failure, so a later deployment clears only it.
constexpr std::string_view kDeployFailedPrefix = "deploy failed: ";

struct LineageFacts {
  LineageStatus status = LineageStatus::Pending;
  std::string serial;
  bool has_certificate = false;
};

// The few columns the updates below decide on; nullopt when there is no such lineage.
std::optional<LineageFacts> lineage_facts(StatementCache& statements, const std::string& name) {
  StatementLease select =
      statements.get("SELECT status, serial, cert_pem <> '' FROM certificates WHERE name = ?1");
  select->bind(1, name);
  if (!select->executeStep()) return std::nullopt;
  LineageFacts facts;
  facts.status = parse_lineage_status(select->getColumn(0).getString()).value_or(LineageStatus::Pending);
  facts.serial = select->getColumn(1).getString();
  facts.has_certificate = select->getColumn(2).getInt() != 0;
  return facts;
}

Error no_lineage(const std::string& name) { return Error(Errc::NotFound, "no lineage named " + name); }

}  // namespace

Result<void> SqliteStore::record_renewal_info(const std::string& name, const std::string& serial,
                                              std::optional<SystemTime> renew_at, SystemTime next_check) {
  return write("record renewal info of " + name, [&]() -> Result<void> {
    StatementLease update = statements_.get(
        "UPDATE certificates SET renew_at = COALESCE(?1, renew_at), ari_check_at = ?2, updated_at = ?3 "
        "WHERE name = ?4 AND serial = ?5");
    bind_time(update, 1, renew_at);
    bind_time(update, 2, next_check);
    bind_time(update, 3, store_now());
    update->bind(4, name);
    update->bind(5, serial);
    update->exec();  // no row: renewed meanwhile, and its new certificate has its own window
    return {};
  });
}

Result<void> SqliteStore::commit_issuance(const std::string& name, const IssuedCertificate& cert,
                                          HistoryKind kind) {
  if (kind != HistoryKind::Issued && kind != HistoryKind::Renewed && kind != HistoryKind::Imported &&
      kind != HistoryKind::Placeholder && kind != HistoryKind::Migrated)
    return fail(Errc::InvalidArgument,
                "commit issuance of " + name + ": event must be issued, renewed, imported or placeholder");
  if (cert.key_pem.empty() || cert.cert_pem.empty() || cert.serial.empty())
    return fail(Errc::InvalidArgument,
                "commit issuance of " + name + ": key, certificate and serial are required");
  return write("commit issuance of " + name, [&]() -> Result<void> {
    auto facts = lineage_facts(statements_, name);
    if (!facts) return fail(no_lineage(name));
    // An imported certificate stays tracked-only; anything issued makes the lineage valid.
    const LineageStatus status =
        kind == HistoryKind::Imported ? LineageStatus::Imported : LineageStatus::Valid;
    if (!can_transition(facts->status, status))
      return fail(Errc::InvalidArgument, "lineage " + name + " cannot go from " +
                                             std::string(to_string(facts->status)) + " to " +
                                             std::string(to_string(status)));
    StatementLease update = statements_.get(
        "UPDATE certificates SET key_pem = ?1, cert_pem = ?2, chain_pem = ?3, serial = ?4, "
        "issuer = ?5, not_before = ?6, not_after = ?7, ari_cert_id = ?8, renew_at = ?9, "
        "status = ?10, next_attempt_at = NULL, attempts = 0, last_error = '', "
        "hook_pending_serial = CASE WHEN deploy_hook <> '' THEN ?4 ELSE '' END, "
        "updated_at = ?11, ari_check_at = ?13, placeholder_serial = ?14 WHERE name = ?12");
    update->bind(1, cert.key_pem.str());
    update->bind(2, cert.cert_pem);
    update->bind(3, cert.chain_pem);
    update->bind(4, cert.serial);
    update->bind(5, cert.issuer);
    bind_time(update, 6, cert.not_before);
    bind_time(update, 7, cert.not_after);
    update->bind(8, cert.ari_cert_id);
    bind_time(update, 9, cert.renew_at);
    update->bind(10, std::string(to_string(status)));
    bind_time(update, 11, store_now());
    update->bind(12, name);
    bind_time(update, 13, cert.ari_check_at);
    update->bind(14, kind == HistoryKind::Placeholder ? cert.serial : std::string());
    update->exec();
    // The order's key is now the lineage's key: the order has done its job.
    StatementLease drop_order = statements_.get("DELETE FROM orders WHERE lineage = ?1");
    drop_order->bind(1, name);
    drop_order->exec();
    insert_event(statements_,
                 EventRecord{0, name, kind, cert.serial,
                             cert.issuer.empty() ? std::string() : "issuer " + cert.issuer, store_now()});
    return {};
  });
}

Result<void> SqliteStore::record_failure(const std::string& name, const std::string& error_text,
                                         const std::string& detail, SystemTime next_attempt_at) {
  return write("record failure of " + name, [&]() -> Result<void> {
    auto facts = lineage_facts(statements_, name);
    if (!facts) return fail(no_lineage(name));
    // A lineage with a certificate keeps serving it, so it stays what it was; only a lineage
    // that never got one is failed.
    const LineageStatus status = facts->has_certificate ? facts->status : LineageStatus::Failed;
    StatementLease update = statements_.get(
        "UPDATE certificates SET attempts = attempts + 1, next_attempt_at = ?1, "
        "last_error = ?2, status = ?3, updated_at = ?4 WHERE name = ?5");
    bind_time(update, 1, next_attempt_at);
    update->bind(2, error_text);
    update->bind(3, std::string(to_string(status)));
    bind_time(update, 4, store_now());
    update->bind(5, name);
    update->exec();
    insert_event(statements_, EventRecord{0, name, HistoryKind::Failed, facts->serial, detail, store_now()});
    return {};
  });
}

Result<void> SqliteStore::record_deployed(const std::string& name, const std::string& serial) {
  // Unsynced: a record lost in a power cut makes the next run deploy the same certificate again.
  return write(
      "record deployment of " + name,
      [&]() -> Result<void> {
        StatementLease update = statements_.get(
            "UPDATE certificates SET deployed_serial = ?1, updated_at = ?2, last_error = "
            "CASE WHEN last_error LIKE ?4 || '%' THEN '' ELSE last_error END WHERE name = ?3");
        update->bind(1, serial);
        bind_time(update, 2, store_now());
        update->bind(3, name);
        update->bind(4, std::string(kDeployFailedPrefix));
        if (update->exec() == 0) return fail(no_lineage(name));
        insert_event(statements_, EventRecord{0, name, HistoryKind::Deployed, serial, "", store_now()});
        return {};
      },
      Commit::Unsynced);
}

Result<void> SqliteStore::record_deploy_failure(const std::string& name, const std::string& serial,
                                                const std::string& error_text) {
  return write("record failed deployment of " + name, [&]() -> Result<void> {
    StatementLease update =
        statements_.get("UPDATE certificates SET last_error = ?1, updated_at = ?2 WHERE name = ?3");
    update->bind(1, std::string(kDeployFailedPrefix) + error_text);
    bind_time(update, 2, store_now());
    update->bind(3, name);
    if (update->exec() == 0) return fail(no_lineage(name));
    insert_event(statements_,
                 EventRecord{0, name, HistoryKind::DeployFailed, serial, error_text, store_now()});
    return {};
  });
}

Result<void> SqliteStore::record_hook_result(const std::string& name, const std::string& serial,
                                             bool succeeded, const std::string& detail) {
  return write("record deploy hook result of " + name, [&]() -> Result<void> {
    if (!lineage_facts(statements_, name)) return fail(no_lineage(name));
    if (succeeded) {
      // Only the serial the hook ran for is settled; a newer commit keeps its own hook owed.
      StatementLease update = statements_.get(
          "UPDATE certificates SET hook_pending_serial = '', updated_at = ?1 "
          "WHERE name = ?2 AND hook_pending_serial = ?3");
      bind_time(update, 1, store_now());
      update->bind(2, name);
      update->bind(3, serial);
      update->exec();
    } else {
      // Owed until it succeeds, so the next `renew` runs it again.
      StatementLease update = statements_.get(
          "UPDATE certificates SET hook_pending_serial = ?1, updated_at = ?2 "
          "WHERE name = ?3 AND serial = ?1");
      update->bind(1, serial);
      bind_time(update, 2, store_now());
      update->bind(3, name);
      update->exec();
    }
    insert_event(statements_,
                 EventRecord{0, name, succeeded ? HistoryKind::HookSucceeded : HistoryKind::HookFailed,
                             serial, detail, store_now()});
    return {};
  });
}

}  // namespace certkeep::store
