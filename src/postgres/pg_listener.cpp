// SPDX-License-Identifier: Apache-2.0
#include "postgres/pg_listener.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>

#include "core/result_macros.hpp"
#include "postgres/pg_connection.hpp"
#include "postgres/postgres_engine.hpp"

namespace certkeep::postgres {
namespace {

class PgListener final : public sql::ChangeSignal {
 public:
  explicit PgListener(std::unique_ptr<PgConnection> connection) : connection_(std::move(connection)) {}

  Result<bool> wait(std::chrono::milliseconds timeout) override {
    PGconn* handle = connection_->handle();
    if (drain(handle)) return true;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const int socket = PQsocket(handle);
      if (PQstatus(handle) != CONNECTION_OK || socket < 0) return lost();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd watched{socket, POLLIN, 0};
      const int ready = ::poll(&watched, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      if (ready < 0 && errno != EINTR) return lost();
      if (ready > 0) {
        // Readable: a notification, or the server ending the connection (a terminated backend
        // first sends its error, then closes), which PQconsumeInput reports as it reads.
        if (PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK) return lost();
        if (drain(handle)) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
    }
  }

 private:
  // Consumes every notification already read; true when there was one.
  static bool drain(PGconn* handle) {
    bool any = false;
    while (PGnotify* notification = PQnotifies(handle)) {
      PQfreemem(notification);
      any = true;
    }
    return any;
  }

  Result<bool> lost() const {
    return fail(Errc::Store, connection_->name() + ": the change notification connection was lost");
  }

  std::unique_ptr<PgConnection> connection_;
};

}  // namespace

Result<std::unique_ptr<sql::ChangeSignal>> listen(const std::string& url, const sql::ConnectOptions& options) {
  std::unique_ptr<sql::Connection> connected = CERTKEEP_TRY(connect(url, options));
  std::unique_ptr<PgConnection> connection(static_cast<PgConnection*>(connected.release()));
  CERTKEEP_TRY(connection->execute("LISTEN " + connection->change_channel()));
  return std::unique_ptr<sql::ChangeSignal>(std::make_unique<PgListener>(std::move(connection)));
}

}  // namespace certkeep::postgres
