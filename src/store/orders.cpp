// SPDX-License-Identifier: Apache-2.0
// SqliteStore: the in-flight order of a lineage (at most one).
#include <SQLiteCpp/Statement.h>

#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

Result<void> SqliteStore::save_order(const OrderRecord& order) {
  if (order.order_url.empty())
    return fail(Errc::InvalidArgument, "save order of " + order.lineage + ": no URL");
  // Unsynced: an order lost in a power cut is replaced by a new one; its key was never used.
  return write(
      "save order of " + order.lineage,
      [&]() -> Result<void> {
        StatementLease exists = statements_.get("SELECT 1 FROM certificates WHERE name = ?1");
        exists->bind(1, order.lineage);
        if (!exists->executeStep()) return fail(Errc::NotFound, "no lineage named " + order.lineage);
        StatementLease upsert = statements_.get(
            "INSERT OR REPLACE INTO orders (lineage, order_url, status, key_pem, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5)");
        upsert->bind(1, order.lineage);
        upsert->bind(2, order.order_url);
        upsert->bind(3, order.status);
        upsert->bind(4, order.key_pem.str());
        bind_time(upsert, 5, order.created_at == SystemTime{} ? store_now() : order.created_at);
        upsert->exec();
        return {};
      },
      Commit::Unsynced);
}

Result<std::optional<OrderRecord>> SqliteStore::find_order(const std::string& lineage) {
  return read("find order of " + lineage, [&]() -> Result<std::optional<OrderRecord>> {
    StatementLease select = statements_.get(
        "SELECT lineage, order_url, status, key_pem, created_at FROM orders WHERE lineage = ?1");
    select->bind(1, lineage);
    if (!select->executeStep()) return std::nullopt;
    OrderRecord order;
    order.lineage = select->getColumn(0).getString();
    order.order_url = select->getColumn(1).getString();
    order.status = select->getColumn(2).getString();
    order.key_pem = core::Secret(select->getColumn(3).getString());
    order.created_at = read_time(select->getColumn(4));
    return order;
  });
}

Result<void> SqliteStore::delete_order(const std::string& lineage) {
  return write("delete order of " + lineage, [&]() -> Result<void> {
    StatementLease remove = statements_.get("DELETE FROM orders WHERE lineage = ?1");
    remove->bind(1, lineage);
    remove->exec();
    return {};
  });
}

}  // namespace certkeep::store
