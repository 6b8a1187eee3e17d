// SPDX-License-Identifier: Apache-2.0
// SqlStore: the in-flight order of a lineage (at most one).
#include "core/result_macros.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

Result<void> SqlStore::save_order(const OrderRecord& order) {
  if (order.order_url.empty())
    return fail(Errc::InvalidArgument, "save order of " + order.lineage + ": no URL");
  // Unsynced: an order lost in a power cut is replaced by a new one; its key was never used.
  return write(
      "save order of " + order.lineage,
      [&]() -> Result<void> {
        {
          StatementLease exists = CERTKEEP_TRY(statements_.get("SELECT 1 FROM certificates WHERE name = ?1"));
          exists->bind_text(1, order.lineage);
          if (!CERTKEEP_TRY(exists->step())) return fail(Errc::NotFound, "no lineage named " + order.lineage);
        }
        StatementLease upsert = CERTKEEP_TRY(statements_.get(
            "INSERT INTO orders (lineage, order_url, status, key_pem, created_at) VALUES (?1, ?2, ?3, ?4, "
            "?5) "
            "ON CONFLICT (lineage) DO UPDATE SET order_url = excluded.order_url, status = excluded.status, "
            "key_pem = excluded.key_pem, created_at = excluded.created_at"));
        upsert->bind_text(1, order.lineage);
        upsert->bind_text(2, order.order_url);
        upsert->bind_text(3, order.status);
        upsert->bind_text(4, order.key_pem.view());
        bind_time(*upsert, 5, order.created_at == SystemTime{} ? store_now() : order.created_at);
        CERTKEEP_TRY(upsert->execute());
        return {};
      },
      Commit::Unsynced);
}

Result<std::optional<OrderRecord>> SqlStore::find_order(const std::string& lineage) {
  return read("find order of " + lineage, [&]() -> Result<std::optional<OrderRecord>> {
    StatementLease select = CERTKEEP_TRY(statements_.get(
        "SELECT lineage, order_url, status, key_pem, created_at FROM orders WHERE lineage = ?1"));
    select->bind_text(1, lineage);
    if (!CERTKEEP_TRY(select->step())) return std::nullopt;
    OrderRecord order;
    order.lineage = select->text(0);
    order.order_url = select->text(1);
    order.status = select->text(2);
    order.key_pem = core::Secret(select->text(3));
    order.created_at = read_time(*select, 4);
    return order;
  });
}

Result<void> SqlStore::delete_order(const std::string& lineage) {
  return write("delete order of " + lineage, [&]() -> Result<void> {
    StatementLease remove = CERTKEEP_TRY(statements_.get("DELETE FROM orders WHERE lineage = ?1"));
    remove->bind_text(1, lineage);
    CERTKEEP_TRY(remove->execute());
    return {};
  });
}

}  // namespace certkeep::store
