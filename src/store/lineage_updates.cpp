// SPDX-License-Identifier: Apache-2.0
// SqlStore: the writes of a lineage's life cycle (issuance, failure, deployment, hook), each
// one transaction that also appends its event, so the history never disagrees with the state.
#include "core/result_macros.hpp"
#include "store/event_rows.hpp"
#include "store/lineage_rows.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

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
Result<std::optional<LineageFacts>> lineage_facts(sql::StatementCache& statements, const std::string& name) {
  StatementLease select = CERTKEEP_TRY(statements.get(
      "SELECT status, serial, CASE WHEN cert_pem <> '' THEN 1 ELSE 0 END FROM certificates WHERE name = ?1"));
  select->bind_text(1, name);
  if (!CERTKEEP_TRY(select->step())) return std::nullopt;
  LineageFacts facts;
  facts.status = parse_lineage_status(select->text(0)).value_or(LineageStatus::Pending);
  facts.serial = select->text(1);
  facts.has_certificate = select->int64(2) != 0;
  return facts;
}

}  // namespace

Result<void> SqlStore::record_renewal_info(const std::string& name, const std::string& serial,
                                           std::optional<SystemTime> renew_at, SystemTime next_check) {
  return write_fenced(name, "record renewal info of " + name, [&]() -> Result<void> {
    StatementLease update = CERTKEEP_TRY(statements_.get(
        "UPDATE certificates SET renew_at = COALESCE(?1, renew_at), ari_check_at = ?2, updated_at = ?3 "
        "WHERE name = ?4 AND serial = ?5"));
    bind_time(*update, 1, renew_at);
    bind_time(*update, 2, next_check);
    bind_time(*update, 3, store_now());
    update->bind_text(4, name);
    update->bind_text(5, serial);
    CERTKEEP_TRY(update->execute());  // no row: renewed meanwhile, and its new certificate has its own window
    return {};
  });
}

Result<void> SqlStore::commit_issuance(const std::string& name, const IssuedCertificate& cert,
                                       HistoryKind kind) {
  if (kind != HistoryKind::Issued && kind != HistoryKind::Renewed && kind != HistoryKind::Imported &&
      kind != HistoryKind::Placeholder && kind != HistoryKind::Migrated)
    return fail(Errc::InvalidArgument,
                "commit issuance of " + name + ": event must be issued, renewed, imported or placeholder");
  if ((cert.key_pem.empty() && !cert.key_held_elsewhere) || cert.cert_pem.empty() || cert.serial.empty())
    return fail(Errc::InvalidArgument,
                "commit issuance of " + name + ": key, certificate and serial are required");
  return write_fenced(name, "commit issuance of " + name, [&]() -> Result<void> {
    auto facts = CERTKEEP_TRY(lineage_facts(statements_, name));
    if (!facts) return fail(no_lineage(name));
    // An imported certificate stays tracked-only; anything issued makes the lineage valid.
    const LineageStatus status =
        kind == HistoryKind::Imported ? LineageStatus::Imported : LineageStatus::Valid;
    if (!can_transition(facts->status, status))
      return fail(Errc::InvalidArgument, "lineage " + name + " cannot go from " +
                                             std::string(to_string(facts->status)) + " to " +
                                             std::string(to_string(status)));
    {
      StatementLease update = CERTKEEP_TRY(
          statements_.get("UPDATE certificates SET key_pem = ?1, cert_pem = ?2, chain_pem = ?3, serial = ?4, "
                          "issuer = ?5, not_before = ?6, not_after = ?7, ari_cert_id = ?8, renew_at = ?9, "
                          "status = ?10, next_attempt_at = NULL, attempts = 0, last_error = '', "
                          "hook_pending_serial = CASE WHEN deploy_hook <> '' OR haproxy_targets <> '' "
                          "THEN ?4 ELSE '' END, updated_at = ?11, last_success_at = ?11, ari_check_at = ?13, "
                          "placeholder_serial = ?14, issued_by = ?15, failing_since = NULL, "
                          "account_id = COALESCE(?16, account_id) WHERE name = ?12"));
      update->bind_text(1, cert.key_pem.view());
      update->bind_text(2, cert.cert_pem);
      update->bind_text(3, cert.chain_pem);
      update->bind_text(4, cert.serial);
      update->bind_text(5, cert.issuer);
      bind_time(*update, 6, cert.not_before);
      bind_time(*update, 7, cert.not_after);
      update->bind_text(8, cert.ari_cert_id);
      bind_time(*update, 9, cert.renew_at);
      update->bind_text(10, to_string(status));
      bind_time(*update, 11, store_now());
      update->bind_text(12, name);
      bind_time(*update, 13, cert.ari_check_at);
      update->bind_text(
          14, kind == HistoryKind::Placeholder ? std::string_view(cert.serial) : std::string_view());
      update->bind_text(15, cert.issued_by);
      if (cert.account_id != 0)
        update->bind_int64(16, cert.account_id);
      else
        update->bind_null(16);
      CERTKEEP_TRY(update->execute());
    }
    CERTKEEP_TRY(sync_servable(name));  // a new serial and expiry to serve
    {
      // The order's key is now the lineage's key: the order has done its job.
      StatementLease drop_order = CERTKEEP_TRY(statements_.get("DELETE FROM orders WHERE lineage = ?1"));
      drop_order->bind_text(1, name);
      CERTKEEP_TRY(drop_order->execute());
    }
    CERTKEEP_TRY(record_change(ChangeKind::Lineage, name));
    return insert_event(
        statements_, EventRecord{0, name, kind, cert.serial,
                                 cert.issuer.empty() ? std::string() : "issuer " + cert.issuer, store_now()});
  });
}

Result<void> SqlStore::record_failure(const std::string& name, const std::string& error_text,
                                      const std::string& detail, SystemTime next_attempt_at) {
  return write_fenced(name, "record failure of " + name, [&]() -> Result<void> {
    auto facts = CERTKEEP_TRY(lineage_facts(statements_, name));
    if (!facts) return fail(no_lineage(name));
    // A lineage with a certificate keeps serving it, so it stays what it was; only a lineage
    // that never got one is failed.
    const LineageStatus status = facts->has_certificate ? facts->status : LineageStatus::Failed;
    {
      StatementLease update = CERTKEEP_TRY(
          statements_.get("UPDATE certificates SET attempts = attempts + 1, next_attempt_at = ?1, "
                          "last_error = ?2, status = ?3, updated_at = ?4, last_failure_at = ?4, "
                          "failing_since = COALESCE(failing_since, ?4) WHERE name = ?5"));
      bind_time(*update, 1, next_attempt_at);
      update->bind_text(2, error_text);
      update->bind_text(3, to_string(status));
      bind_time(*update, 4, store_now());
      update->bind_text(5, name);
      CERTKEEP_TRY(update->execute());
    }
    return insert_event(statements_,
                        EventRecord{0, name, HistoryKind::Failed, facts->serial, detail, store_now()});
  });
}

Result<void> SqlStore::record_deployed(const std::string& name, const std::string& serial) {
  // Unsynced: a record lost in a power cut makes the next run deploy the same certificate again.
  return write(
      "record deployment of " + name,
      [&]() -> Result<void> {
        {
          StatementLease update = CERTKEEP_TRY(statements_.get(
              "UPDATE certificates SET deployed_serial = ?1, updated_at = ?2, last_error = "
              "CASE WHEN last_error LIKE ?4 || '%' THEN '' ELSE last_error END WHERE name = ?3"));
          update->bind_text(1, serial);
          bind_time(*update, 2, store_now());
          update->bind_text(3, name);
          update->bind_text(4, kDeployFailedPrefix);
          if (CERTKEEP_TRY(update->execute()) == 0) return fail(no_lineage(name));
        }
        return insert_event(statements_,
                            EventRecord{0, name, HistoryKind::Deployed, serial, "", store_now()});
      },
      Commit::Unsynced);
}

Result<void> SqlStore::record_deploy_failure(const std::string& name, const std::string& serial,
                                             const std::string& error_text) {
  return write("record failed deployment of " + name, [&]() -> Result<void> {
    {
      StatementLease update = CERTKEEP_TRY(
          statements_.get("UPDATE certificates SET last_error = ?1, updated_at = ?2 WHERE name = ?3"));
      update->bind_text(1, std::string(kDeployFailedPrefix) + error_text);
      bind_time(*update, 2, store_now());
      update->bind_text(3, name);
      if (CERTKEEP_TRY(update->execute()) == 0) return fail(no_lineage(name));
    }
    return insert_event(statements_,
                        EventRecord{0, name, HistoryKind::DeployFailed, serial, error_text, store_now()});
  });
}

Result<void> SqlStore::record_hook_result(const std::string& name, const std::string& serial, bool succeeded,
                                          const std::string& detail) {
  return write("record deploy hook result of " + name, [&]() -> Result<void> {
    if (!CERTKEEP_TRY(lineage_facts(statements_, name))) return fail(no_lineage(name));
    if (succeeded) {
      // Only the serial the hook ran for is settled; a newer commit keeps its own hook owed.
      StatementLease update =
          CERTKEEP_TRY(statements_.get("UPDATE certificates SET hook_pending_serial = '', updated_at = ?1 "
                                       "WHERE name = ?2 AND hook_pending_serial = ?3"));
      bind_time(*update, 1, store_now());
      update->bind_text(2, name);
      update->bind_text(3, serial);
      CERTKEEP_TRY(update->execute());
    } else {
      // Owed until it succeeds, so the next `renew` runs it again.
      StatementLease update =
          CERTKEEP_TRY(statements_.get("UPDATE certificates SET hook_pending_serial = ?1, updated_at = ?2 "
                                       "WHERE name = ?3 AND serial = ?1"));
      update->bind_text(1, serial);
      bind_time(*update, 2, store_now());
      update->bind_text(3, name);
      CERTKEEP_TRY(update->execute());
    }
    return insert_event(statements_,
                        EventRecord{0, name, succeeded ? HistoryKind::HookSucceeded : HistoryKind::HookFailed,
                                    serial, detail, store_now()});
  });
}

Result<void> SqlStore::record_confirmation(const std::string& name, const std::string& serial,
                                           ConfirmationState state, const std::string& detail) {
  if (state == ConfirmationState::None)
    return fail(Errc::InvalidArgument, "record confirmation of " + name + ": the verdict must be confirmed or stale");
  return write("record confirmation of " + name, [&]() -> Result<void> {
    const SystemTime now = store_now();
    {
      // A verdict about a serial the lineage has meanwhile left behind is history, not state.
      StatementLease update = CERTKEEP_TRY(statements_.get(
          "UPDATE certificates SET confirmation = ?1, confirmed_serial = ?2, confirmed_at = ?3, "
          "confirmation_detail = ?4 WHERE name = ?5 AND serial = ?2"));
      update->bind_text(1, to_string(state));
      update->bind_text(2, serial);
      bind_time(*update, 3, now);
      update->bind_text(4, detail);
      update->bind_text(5, name);
      CERTKEEP_TRY(update->execute());
    }
    const HistoryKind kind = state == ConfirmationState::Confirmed ? HistoryKind::Confirmed : HistoryKind::Stale;
    return insert_event(statements_, EventRecord{0, name, kind, serial, detail, now});
  });
}

Result<std::vector<LineageRecord>> SqlStore::expiry_notice_due(SystemTime before) {
  // A range on certificates_by_not_after: only the certificates in their last days are read.
  return read("expiry notices due", [&] {
    return load_lineages(select_lineage_summaries("WHERE not_after <= ?1 AND serial <> '' AND "
                                                  "expiry_notified_serial <> serial AND status <> 'revoked' "
                                                  "ORDER BY not_after, name"),
                         unix_seconds(before));
  });
}

Result<void> SqlStore::mark_expiry_notified(const std::string& name, const std::string& serial) {
  // Unsynced: a mark lost in a power cut costs one more notice, never a missed one.
  return write(
      "mark expiry notice of " + name,
      [&]() -> Result<void> {
        StatementLease update = CERTKEEP_TRY(statements_.get(
            "UPDATE certificates SET expiry_notified_serial = ?1 WHERE name = ?2 AND serial = ?1"));
        update->bind_text(1, serial);
        update->bind_text(2, name);
        CERTKEEP_TRY(update->execute());
        return {};
      },
      Commit::Unsynced);
}

}  // namespace certkeep::store
