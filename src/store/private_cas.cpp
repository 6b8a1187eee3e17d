// SPDX-License-Identifier: Apache-2.0
// SqlStore: private CAs, every generation of each.
#include <algorithm>

#include "core/result_macros.hpp"
#include "store/sql_store.hpp"
#include "store/sql_values.hpp"

namespace certkeep::store {

namespace {

Result<PrivateCaRecord> read_private_ca(const sql::Statement& row) {
  PrivateCaRecord ca;
  ca.name = row.text(0);
  ca.generation = static_cast<int>(row.int64(1));
  const std::string state = row.text(2);
  auto parsed_state = parse_ca_state(state);
  if (!parsed_state)
    return fail(Errc::Store, "private CA " + ca.name + " has unknown state \"" + state + "\"");
  ca.state = *parsed_state;
  const std::string key_type = row.text(3);
  auto parsed_key_type = parse_key_type(key_type);
  if (!parsed_key_type)
    return fail(Errc::Store, "private CA " + ca.name + " has unknown key type \"" + key_type + "\"");
  ca.key_type = *parsed_key_type;
  ca.key_pem = core::Secret(row.text(4));
  ca.cert_pem = row.text(5);
  ca.created_at = read_time(row, 6);
  return ca;
}

}  // namespace

Result<std::vector<PrivateCaRecord>> SqlStore::load_private_ca(const std::string& name) {
  StatementLease select = CERTKEEP_TRY(statements_.get(
      "SELECT name, generation, state, key_type, key_pem, cert_pem, created_at FROM private_cas "
      "WHERE name = ?1 ORDER BY generation DESC"));
  select->bind_text(1, name);
  std::vector<PrivateCaRecord> generations;
  while (CERTKEEP_TRY(select->step())) generations.push_back(CERTKEEP_TRY(read_private_ca(*select)));
  return generations;
}

Result<void> SqlStore::set_renew_at(const std::string& name, SystemTime at) {
  return write("schedule the renewal of " + name, [&]() -> Result<void> {
    StatementLease update = CERTKEEP_TRY(
        statements_.get("UPDATE certificates SET renew_at = ?1, updated_at = ?2 WHERE name = ?3"));
    bind_time(*update, 1, at);
    bind_time(*update, 2, store_now());
    update->bind_text(3, name);
    if (CERTKEEP_TRY(update->execute()) == 0) return fail(Errc::NotFound, "no lineage named " + name);
    return {};
  });
}

Result<std::vector<std::string>> SqlStore::private_ca_names() {
  return read("list private CAs", [&]() -> Result<std::vector<std::string>> {
    StatementLease select =
        CERTKEEP_TRY(statements_.get("SELECT DISTINCT name FROM private_cas ORDER BY name"));
    std::vector<std::string> names;
    while (CERTKEEP_TRY(select->step())) names.push_back(select->text(0));
    return names;
  });
}

Result<std::vector<PrivateCaRecord>> SqlStore::private_ca_generations(const std::string& name) {
  return read("read private CA " + name, [&] { return load_private_ca(name); });
}

Result<PrivateCaRecord> SqlStore::add_private_ca(PrivateCaRecord ca) {
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
      StatementLease retire = CERTKEEP_TRY(
          statements_.get("UPDATE private_cas SET state = 'retired' WHERE name = ?1 AND state <> 'retired'"));
      retire->bind_text(1, ca.name);
      CERTKEEP_TRY(retire->execute());
    }
    ca.generation = generations.empty() ? 1 : generations.front().generation + 1;
    StatementLease insert = CERTKEEP_TRY(statements_.get(
        "INSERT INTO private_cas (name, generation, state, key_type, key_pem, cert_pem, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    insert->bind_text(1, ca.name);
    insert->bind_int64(2, ca.generation);
    insert->bind_text(3, to_string(ca.state));
    insert->bind_text(4, to_string(ca.key_type));
    insert->bind_text(5, ca.key_pem.view());
    insert->bind_text(6, ca.cert_pem);
    bind_time(*insert, 7, ca.created_at);
    CERTKEEP_TRY(insert->execute());
    return std::move(ca);
  });
}

Result<PrivateCaRecord> SqlStore::activate_next_private_ca(const std::string& name) {
  return write("activate the next generation of private CA " + name, [&]() -> Result<PrivateCaRecord> {
    auto generations = CERTKEEP_TRY(load_private_ca(name));
    auto next = std::find_if(generations.begin(), generations.end(),
                             [](const PrivateCaRecord& g) { return g.state == CaState::Next; });
    if (next == generations.end())
      return fail(Errc::NotFound, "private CA " + name + " has no next generation (run `ca rotate` first)");
    {
      StatementLease retire = CERTKEEP_TRY(
          statements_.get("UPDATE private_cas SET state = 'retired' WHERE name = ?1 AND state = 'active'"));
      retire->bind_text(1, name);
      CERTKEEP_TRY(retire->execute());
    }
    StatementLease activate = CERTKEEP_TRY(
        statements_.get("UPDATE private_cas SET state = 'active' WHERE name = ?1 AND generation = ?2"));
    activate->bind_text(1, name);
    activate->bind_int64(2, next->generation);
    CERTKEEP_TRY(activate->execute());
    next->state = CaState::Active;
    return std::move(*next);
  });
}

}  // namespace certkeep::store
