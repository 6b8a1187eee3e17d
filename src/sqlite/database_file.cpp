// SPDX-License-Identifier: Apache-2.0
#include "sqlite/database_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "sqlite/sqlite_errors.hpp"

namespace certkeep::sqlite {
namespace {

// Below this much free space, an I/O error while opening the store is reported as a full disk.
constexpr std::uint64_t kNearlyFullBytes = 1024 * 1024;

std::optional<std::uint64_t> free_space(const std::filesystem::path& directory) {
  struct statvfs info {};
  if (::statvfs(directory.empty() ? "." : directory.c_str(), &info) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

Result<void> make_directories(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (std::filesystem::path p = directory; !p.empty() && !std::filesystem::exists(p, ec);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // 0700: the state directory holds the database and, later, live/ keys.
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      return fail(Errc::Io, "create directory " + it->string() + ": " + core::errno_text(errno));
  }
  return {};
}

constexpr const char* kSynchronousFull = "PRAGMA synchronous = FULL";

// Connection settings. synchronous=FULL by default: with WAL, NORMAL may lose the last commits
// on power loss, and a lost commit_issuance would drop a key whose certificate the CA already
// issued (and whose files may already be deployed). Bookkeeping whose loss the next run redoes
// opts out per write (UnsyncedCommits, sql::Durability::Unsynced).
void configure(SQLite::Database& db, std::chrono::milliseconds busy_timeout) {
  const auto capped =
      std::min<std::chrono::milliseconds::rep>(busy_timeout.count(), std::numeric_limits<int>::max());
  db.setBusyTimeout(static_cast<int>(capped));
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA secure_delete = ON");  // deleted keys are overwritten, not left in free pages
  db.exec(kSynchronousFull);
}

// Two processes opening a new file at once can both read it and then both want to write its
// header to switch it to WAL: SQLite then returns SQLITE_BUSY to one of them at once instead of
// calling the busy handler (waiting could deadlock). The other finishes in milliseconds, so try
// again, for as long as the busy timeout allows. Throws SQLite::Exception.
std::string enable_wal(SQLite::Database& db, std::chrono::milliseconds busy_timeout) {
  const auto give_up = std::chrono::steady_clock::now() + busy_timeout;
  std::chrono::milliseconds pause{1};
  for (;;) {
    try {
      return db.execAndGet("PRAGMA journal_mode = WAL").getString();
    } catch (const SQLite::Exception& exception) {
      if ((exception.getErrorCode() & 0xFF) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up)
        throw;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

// quick_check: page and index structure of every table, without the O(N log N) cross-check of
// every index entry that integrity_check adds; enough to refuse a damaged file at open.
Result<void> check_integrity(SQLite::Database& db) {
  SQLite::Statement check(db, "PRAGMA quick_check(5)");
  std::string problems;
  while (check.executeStep()) {
    std::string row = check.getColumn(0).getString();
    if (row == "ok") return {};
    problems += (problems.empty() ? "" : "; ") + row;
  }
  return fail(Errc::Store, "store corrupt: " +
                               (problems.empty() ? std::string("quick_check returned nothing") : problems));
}

}  // namespace

Result<void> prepare_database_file(const std::filesystem::path& db_path) {
  if (db_path.has_parent_path()) {
    auto made = make_directories(db_path.parent_path());
    if (!made) return made;
  }
  const int fd = ::open(db_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(Errc::Io, "open store " + db_path.string() + ": " + core::errno_text(errno));
  struct stat status {};
  Result<void> result;
  if (::fstat(fd, &status) != 0) {
    result = fail(Errc::Io, "stat store " + db_path.string() + ": " + core::errno_text(errno));
  } else if (!S_ISREG(status.st_mode)) {
    result = fail(Errc::Io, "store " + db_path.string() + " is not a regular file");
  } else if ((status.st_mode & 077) != 0) {
    // The file holds private keys; an umask-less copy must not stay world-readable.
    if (::fchmod(fd, 0600) != 0)
      result = fail(Errc::Io, "chmod 0600 store " + db_path.string() + ": " + core::errno_text(errno));
    else
      core::log::warn("store " + db_path.string() + " was readable by others; narrowed to 0600");
  }
  ::close(fd);
  return result;
}

Result<std::unique_ptr<SQLite::Database>> open_database_file(const std::filesystem::path& db_path,
                                                             std::chrono::milliseconds busy_timeout,
                                                             bool verify_integrity) {
  const std::string what = "open store " + db_path.string();
  return guarded(what, [&]() -> Result<std::unique_ptr<SQLite::Database>> {
    try {
      auto db = std::make_unique<SQLite::Database>(db_path.string(),
                                                   SQLite::OPEN_READWRITE | SQLite::OPEN_NOFOLLOW);
      configure(*db, busy_timeout);
      const std::string mode = enable_wal(*db, busy_timeout);
      if (mode != "wal") return fail(Errc::Store, what + ": cannot enable WAL (journal_mode " + mode + ")");
      if (verify_integrity) {
        auto checked = check_integrity(*db);
        if (!checked) return fail(std::move(checked).error().with_context(what));
      }
      return db;
    } catch (const SQLite::Exception& exception) {
      // The first statement that reads the header fails on a file that is not SQLite at all;
      // say so plainly rather than "corrupt", since it may be the wrong path.
      const int primary = exception.getErrorCode() & 0xFF;
      if (primary == SQLITE_NOTADB)
        return fail(Errc::Store, what + ": not an SQLite database (" + exception.what() + ")");
      // On a full disk SQLite often says only "disk I/O error" (its shared-memory index cannot
      // grow); name the real cause when the filesystem is nearly out of space.
      if (primary == SQLITE_IOERR || primary == SQLITE_FULL) {
        if (auto free_bytes = free_space(db_path.parent_path()); free_bytes && *free_bytes < kNearlyFullBytes)
          return fail(Errc::Io, what + ": no space left on device (" + std::to_string(*free_bytes / 1024) +
                                    " KiB free; SQLite: " + exception.what() + ")");
      }
      throw;
    }
  });
}

Result<std::unique_ptr<SQLite::Database>> open_memory_database() {
  return guarded("open in-memory store", [&]() -> Result<std::unique_ptr<SQLite::Database>> {
    auto db = std::make_unique<SQLite::Database>(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    configure(*db, std::chrono::milliseconds(0));
    return db;
  });
}

Result<std::unique_ptr<SQLite::Database>> open_database_file_read_only(
    const std::filesystem::path& db_path, std::chrono::milliseconds busy_timeout) {
  const std::string what = "open store " + db_path.string() + " read-only";
  return guarded(what, [&]() -> Result<std::unique_ptr<SQLite::Database>> {
    try {
      auto db =
          std::make_unique<SQLite::Database>(db_path.string(), SQLite::OPEN_READONLY | SQLite::OPEN_NOFOLLOW);
      const auto capped =
          std::min<std::chrono::milliseconds::rep>(busy_timeout.count(), std::numeric_limits<int>::max());
      db->setBusyTimeout(static_cast<int>(capped));
      // Reading the schema is the first read of the file: a file that is not SQLite fails here.
      db->execAndGet("SELECT count(*) FROM sqlite_master");
      return db;
    } catch (const SQLite::Exception& exception) {
      if ((exception.getErrorCode() & 0xFF) == SQLITE_NOTADB)
        return fail(Errc::Store, what + ": not an SQLite database (" + exception.what() + ")");
      throw;
    }
  });
}

UnsyncedCommits::UnsyncedCommits(SQLite::Database& db) : db_(db) { db_.exec("PRAGMA synchronous = NORMAL"); }

UnsyncedCommits::~UnsyncedCommits() {
  // Setting the level writes nothing, so it fails only when SQLite is out of memory; the
  // connection must not stay unsynced, so that ends the process rather than going on quietly.
  if (sqlite3_exec(db_.getHandle(), kSynchronousFull, nullptr, nullptr, nullptr) != SQLITE_OK) {
    core::log::error("store: cannot restore synchronous=FULL; stopping");
    std::abort();
  }
}

}  // namespace certkeep::sqlite
