// SPDX-License-Identifier: Apache-2.0
// SqliteStore: private CAs, every generation of each.
#include <algorithm>

#include <SQLiteCpp/Statement.h>

#include "core/result_macros.hpp"
#include "store/sql_values.hpp"
#include "store/sqlite_store.hpp"

namespace certkeep::store {

namespace {

Result<PrivateCaRecord> read_private_ca(const SQLite::Statement& row) {
  PrivateCaRecord ca;
  ca.name = row.getColumn(0).getString();
  ca.generation = row.getColumn(1).getInt();
  const std::string state = row.getColumn(2).getString();
  auto parsed_state = parse_ca_state(state);
  if (!parsed_state)
    return fail(Errc::Store, "private CA " + ca.name + " has unknown state \"" + state + "\"");
  ca.state = *parsed_state;
  const std::string key_type = row.getColumn(3).getString();
  auto parsed_key_type = parse_key_type(key_type);
  if (!parsed_key_type)
    return fail(Errc::Store, "private CA " + ca.name + " has unknown key type \"" + key_type + "\"");
  ca.key_type = *parsed_key_type;
  ca.key_pem = core::Secret(row.getColumn(4).getString());
  ca.cert_pem = row.getColumn(5).getString();
  ca.created_at = read_time(row.getColumn(6));
  return ca;
}

}  // namespace

Result<std::vector<PrivateCaRecord>> SqliteStore::load_private_ca(const std::string& name) {
  StatementLease select = statements_.get(
      "SELECT name, generation, state, key_type, key_pem, cert_pem, created_at FROM private_cas "
      "WHERE name = ?1 ORDER BY generation DESC");
  select->bind(1, name);
  std::vector<PrivateCaRecord> generations;
  while (select->executeStep()) generations.push_back(CERTKEEP_TRY(read_private_ca(*select)));
  return generations;
}

Result<void> SqliteStore::set_renew_at(const std::string& name, SystemTime at) {
  return write("schedule the renewal of " + name, [&]() -> Result<void> {
    StatementLease update =
        statements_.get("UPDATE certificates SET renew_at = ?1, updated_at = ?2 WHERE name = ?3");
    bind_time(*update, 1, at);
    bind_time(*update, 2, store_now());
    update->bind(3, name);
    if (update->exec() == 0) return fail(Errc::NotFound, "no lineage named " + name);
    return {};
  });
}

Result<std::vector<std::string>> SqliteStore::private_ca_names() {
  return read("list private CAs", [&]() -> Result<std::vector<std::string>> {
    StatementLease select = statements_.get("SELECT DISTINCT name FROM private_cas ORDER BY name");
    std::vector<std::string> names;
    while (select->executeStep()) names.push_back(select->getColumn(0).getString());
    return names;
  });
}

Result<std::vector<PrivateCaRecord>> SqliteStore::private_ca_generations(const std::string& name) {
  return read("read private CA " + name, [&] { return load_private_ca(name); });
}

Result<PrivateCaRecord> SqliteStore::add_private_ca(PrivateCaRecord ca) {
  if (ca.name.empty()) return fail(Errc::InvalidArgument, "a private CA needs a name");
  if (ca.key_pem.empty() || ca.cert_pem.empty())
    return fail(Errc::InvalidArgument, "private CA " + ca.name + ": no key or certificate");
  if (ca.state == CaState::Retired)
    return fail(Errc::InvalidArgument, "private CA " + ca.name + ": a new generation cannot start retired");
  if (ca.created_at == SystemTime{}) ca.created_at = store_now();
  return write("add private CA " + ca.name, [&]() -> Result<PrivateCaRecord> {
    const auto generations = CERTKEEP_TRY(load_private_ca(ca.name));
    auto has = [&](CaState state) {
      return std::any_of(generations.begin(), generations.end(),
                         [&](const PrivateCaRecord& g) { return g.state == state; });
    };
    if (ca.state == CaState::Next) {
      if (!has(CaState::Active))
        return fail(Errc::InvalidArgument,
                    "private CA " + ca.name + " has no active generation to rotate from");
      if (has(CaState::Next))
        return fail(Errc::InvalidArgument,
                    "private CA " + ca.name + " already has a next generation (activate it first)");
    } else {
      StatementLease retire =
          statements_.get("UPDATE private_cas SET state = 'retired' WHERE name = ?1 AND state <> 'retired'");
      retire->bind(1, ca.name);
      retire->exec();
    }
    ca.generation = generations.empty() ? 1 : generations.front().generation + 1;
    StatementLease insert = statements_.get(
        "INSERT INTO private_cas (name, generation, state, key_type, key_pem, cert_pem, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert->bind(1, ca.name);
    insert->bind(2, ca.generation);
    insert->bind(3, std::string(to_string(ca.state)));
    insert->bind(4, std::string(to_string(ca.key_type)));
    insert->bind(5, ca.key_pem.str());
    insert->bind(6, ca.cert_pem);
    bind_time(*insert, 7, ca.created_at);
    insert->exec();
    return std::move(ca);
  });
}

Result<PrivateCaRecord> SqliteStore::activate_next_private_ca(const std::string& name) {
  return write("activate the next generation of private CA " + name, [&]() -> Result<PrivateCaRecord> {
    auto generations = CERTKEEP_TRY(load_private_ca(name));
    auto next = std::find_if(generations.begin(), generations.end(),
                             [](const PrivateCaRecord& g) { return g.state == CaState::Next; });
    if (next == generations.end())
      return fail(Errc::NotFound, "private CA " + name + " has no next generation (run `ca rotate` first)");
    StatementLease retire =
        statements_.get("UPDATE private_cas SET state = 'retired' WHERE name = ?1 AND state = 'active'");
    retire->bind(1, name);
    retire->exec();
    StatementLease activate =
        statements_.get("UPDATE private_cas SET state = 'active' WHERE name = ?1 AND generation = ?2");
    activate->bind(1, name);
    activate->bind(2, next->generation);
    activate->exec();
    next->state = CaState::Active;
    return std::move(*next);
  });
}

}  // namespace certkeep::store
