// SPDX-License-Identifier: Apache-2.0
// SqlStore: the DNS-01 records certkeep added and has not yet removed (dns_records).
#include "core/result_macros.hpp"
#include "store/lineage_state.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<void> SqlStore::add_dns_records(const std::vector<DnsRecordRow>& records) {
  if (records.empty()) return {};
  for (const DnsRecordRow& record : records)
    if (record.lineage.empty() || record.name.empty())
      return fail(Errc::InvalidArgument, "note DNS record: no lineage or name");
  // Synced: the note must be durable before the record is sent to the DNS server, or a power
  // cut could leave a record nobody knows to remove.
  return write("note DNS records of " + records.front().lineage, [&]() -> Result<void> {
    StatementLease insert = CERTKEEP_TRY(statements_.get(
        "INSERT INTO dns_records (lineage, method, server, tsig_key_file, hook, zone, name, value, added_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    for (const DnsRecordRow& record : records) {
      insert->reset();
      insert->bind_text(1, record.lineage);
      insert->bind_text(2, to_string(record.method));
      insert->bind_text(3, record.server);
      insert->bind_text(4, record.tsig_key_file);
      insert->bind_text(5, record.hook);
      insert->bind_text(6, record.zone);
      insert->bind_text(7, record.name);
      insert->bind_text(8, record.value);
      bind_time(*insert, 9, record.added_at == SystemTime{} ? store_now() : record.added_at);
      CERTKEEP_TRY(insert->execute());
    }
    return {};
  });
}

Result<void> SqlStore::remove_dns_records(const std::string& lineage, const std::vector<DnsRecordKey>& records) {
  if (records.empty()) return {};
  // Unsynced: a removal lost in a power cut only makes the next run delete a record again.
  return write(
      "forget DNS records of " + lineage,
      [&]() -> Result<void> {
        StatementLease remove = CERTKEEP_TRY(
            statements_.get("DELETE FROM dns_records WHERE lineage = ?1 AND name = ?2 AND value = ?3"));
        for (const DnsRecordKey& record : records) {
          remove->reset();
          remove->bind_text(1, lineage);
          remove->bind_text(2, record.name);
          remove->bind_text(3, record.value);
          CERTKEEP_TRY(remove->execute());
        }
        return {};
      },
      Commit::Unsynced);
}

Result<std::vector<DnsRecordRow>> SqlStore::dns_records(const std::string& lineage) {
  return read("DNS records of " + lineage, [&]() -> Result<std::vector<DnsRecordRow>> {
    StatementLease select = CERTKEEP_TRY(statements_.get(
        "SELECT lineage, method, server, tsig_key_file, hook, zone, name, value, added_at FROM dns_records "
        "WHERE lineage = ?1 ORDER BY id"));
    select->bind_text(1, lineage);
    std::vector<DnsRecordRow> rows;
    while (CERTKEEP_TRY(select->step())) {
      DnsRecordRow row;
      row.lineage = select->text(0);
      const std::string method = select->text(1);
      const std::optional<DnsMethod> parsed = parse_dns_method(method);
      if (!parsed || *parsed == DnsMethod::None)
        return fail(Errc::Store, "DNS record of " + lineage + " has unknown method \"" + method + "\"");
      row.method = *parsed;
      row.server = select->text(2);
      row.tsig_key_file = select->text(3);
      row.hook = select->text(4);
      row.zone = select->text(5);
      row.name = select->text(6);
      row.value = select->text(7);
      row.added_at = read_time(*select, 8);
      rows.push_back(std::move(row));
    }
    return rows;
  });
}

Result<std::vector<std::string>> SqlStore::lineages_with_dns_records() {
  return read("lineages with DNS records", [&]() -> Result<std::vector<std::string>> {
    StatementLease select =
        CERTKEEP_TRY(statements_.get("SELECT DISTINCT lineage FROM dns_records ORDER BY lineage"));
    std::vector<std::string> names;
    while (CERTKEEP_TRY(select->step())) names.push_back(select->text(0));
    return names;
  });
}

}  // namespace certkeep::store
