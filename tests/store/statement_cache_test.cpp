// SPDX-License-Identifier: Apache-2.0
// The statement cache, on the engine the store tests run on (store_test_support.hpp).
#include "sql/statement_cache.hpp"
#include "store_test_support.hpp"

namespace certkeep::store {
namespace {

using namespace testing;
using sql::StatementCache;

// A connection to a fresh store location with a small table.
struct StatementCacheFixture {
  TempDir dir;
  std::unique_ptr<sql::Connection> db = raw_connection(dir.store());
  StatementCacheFixture() {
    raw_execute(*db, "CREATE TABLE t (n INTEGER)");
    raw_execute(*db, "INSERT INTO t VALUES (1), (2), (3)");
  }
};

TEST_CASE("statement cache: the same SQL reuses one prepared statement", "[store][statements]") {
  StatementCacheFixture fixture;
  StatementCache cache(*fixture.db);
  const sql::Statement* first = nullptr;
  {
    auto select = cache.get("SELECT n FROM t ORDER BY n").value();
    first = &*select;
  }
  auto again = cache.get("SELECT n FROM t ORDER BY n").value();
  CHECK(&*again == first);
}

TEST_CASE("statement cache: a lease ends reset with its bindings cleared", "[store][statements]") {
  StatementCacheFixture fixture;
  StatementCache cache(*fixture.db);
  {
    auto select = cache.get("SELECT n, CAST(?1 AS TEXT) FROM t ORDER BY n").value();
    select->bind_text(1, "bound");
    REQUIRE(select->step().value());
    CHECK(select->int64(0) == 1);
    CHECK(select->text(1) == "bound");
    // Left mid-result on purpose.
  }
  auto select = cache.get("SELECT n, CAST(?1 AS TEXT) FROM t ORDER BY n").value();
  REQUIRE(select->step().value());
  CHECK(select->int64(0) == 1);  // from the first row again
  CHECK(select->is_null(1));     // the old binding is gone
}

TEST_CASE("statement cache: a nested use of the same SQL gets its own statement", "[store][statements]") {
  StatementCacheFixture fixture;
  StatementCache cache(*fixture.db);
  auto outer = cache.get("SELECT n FROM t WHERE n >= ?1 ORDER BY n").value();
  outer->bind_int64(1, 2);
  REQUIRE(outer->step().value());
  {
    auto inner = cache.get("SELECT n FROM t WHERE n >= ?1 ORDER BY n").value();
    CHECK(&*inner != &*outer);
    inner->bind_int64(1, 3);
    REQUIRE(inner->step().value());
    CHECK(inner->int64(0) == 3);
  }
  // The outer statement's cursor and binding were not disturbed.
  CHECK(outer->int64(0) == 2);
  REQUIRE(outer->step().value());
  CHECK(outer->int64(0) == 3);
}

TEST_CASE("statement cache: bad SQL fails with a store error and is not cached", "[store][statements]") {
  StatementCacheFixture fixture;
  StatementCache cache(*fixture.db);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto bad = cache.get("SELECT nope FROM nowhere");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == Errc::Store);
  }
}

TEST_CASE("statements: integers, text, NULL and booleans read back alike on every engine",
          "[store][statements]") {
  StatementCacheFixture fixture;
  auto select = fixture.db
                    ->prepare(
                        "SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), CAST(?3 AS TEXT), "
                        "CASE WHEN ?4 > 0 THEN 1 ELSE 0 END")
                    .value();
  select->bind_int64(1, -9'000'000'000'000'000'000);
  select->bind_text(2, "line one\nline two \xC3\xA9");
  select->bind_null(3);
  select->bind_int64(4, 5);
  REQUIRE(select->step().value());
  CHECK(select->int64(0) == -9'000'000'000'000'000'000);
  CHECK(select->text(0) == "-9000000000000000000");
  CHECK(select->text(1) == "line one\nline two \xC3\xA9");
  CHECK(select->is_null(2));
  CHECK(select->text(2).empty());
  CHECK(select->int64(3) == 1);
  CHECK_FALSE(select->step().value());
}

TEST_CASE("statements: execute counts the rows changed", "[store][statements]") {
  StatementCacheFixture fixture;
  auto update = fixture.db->prepare("UPDATE t SET n = n + 10 WHERE n >= ?1").value();
  update->bind_int64(1, 2);
  CHECK(update->execute().value() == 2);
}

}  // namespace
}  // namespace certkeep::store
