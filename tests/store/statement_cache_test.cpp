// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "store/statement_cache.hpp"

using certkeep::store::StatementCache;

namespace {

SQLite::Database memory_database() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (n INTEGER)");
  db.exec("INSERT INTO t VALUES (1), (2), (3)");
  return db;
}

}  // namespace

TEST_CASE("statement cache: the same SQL reuses one prepared statement", "[store][statements]") {
  SQLite::Database db = memory_database();
  StatementCache cache(db);
  const SQLite::Statement* first = nullptr;
  {
    auto select = cache.get("SELECT n FROM t ORDER BY n");
    first = &*select;
  }
  auto again = cache.get("SELECT n FROM t ORDER BY n");
  CHECK(&*again == first);
}

TEST_CASE("statement cache: a lease ends reset with its bindings cleared", "[store][statements]") {
  SQLite::Database db = memory_database();
  StatementCache cache(db);
  {
    auto select = cache.get("SELECT n, ?1 FROM t ORDER BY n");
    select->bind(1, "bound");
    REQUIRE(select->executeStep());
    CHECK(select->getColumn(0).getInt() == 1);
    // Left mid-result on purpose.
  }
  auto select = cache.get("SELECT n, ?1 FROM t ORDER BY n");
  REQUIRE(select->executeStep());
  CHECK(select->getColumn(0).getInt() == 1);  // from the first row again
  CHECK(select->getColumn(1).isNull());       // the old binding is gone
}

TEST_CASE("statement cache: a nested use of the same SQL gets its own statement", "[store][statements]") {
  SQLite::Database db = memory_database();
  StatementCache cache(db);
  auto outer = cache.get("SELECT n FROM t WHERE n >= ?1 ORDER BY n");
  outer->bind(1, 2);
  REQUIRE(outer->executeStep());
  {
    auto inner = cache.get("SELECT n FROM t WHERE n >= ?1 ORDER BY n");
    CHECK(&*inner != &*outer);
    inner->bind(1, 3);
    REQUIRE(inner->executeStep());
    CHECK(inner->getColumn(0).getInt() == 3);
  }
  // The outer statement's cursor and binding were not disturbed.
  CHECK(outer->getColumn(0).getInt() == 2);
  REQUIRE(outer->executeStep());
  CHECK(outer->getColumn(0).getInt() == 3);
}

TEST_CASE("statement cache: bad SQL throws like SQLite::Statement and is not cached", "[store][statements]") {
  SQLite::Database db = memory_database();
  StatementCache cache(db);
  CHECK_THROWS_AS(cache.get("SELECT nope FROM nowhere"), SQLite::Exception);
  CHECK_THROWS_AS(cache.get("SELECT nope FROM nowhere"), SQLite::Exception);
}
