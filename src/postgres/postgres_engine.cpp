// SPDX-License-Identifier: Apache-2.0
#include "postgres/postgres_engine.hpp"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "postgres/pg_connection.hpp"
#include "postgres/pg_errors.hpp"

namespace certkeep::postgres {
namespace {

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

// The non-empty settings of a connection URI, by keyword; nullopt when libpq cannot parse it.
std::optional<std::map<std::string, std::string>> parse_uri(std::string_view url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(
      PQconninfoParse(std::string(url).c_str(), &error));
  PQfreemem(error);
  if (!options) return std::nullopt;
  std::map<std::string, std::string> settings;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option)
    if (option->val != nullptr && option->val[0] != '\0') settings[option->keyword] = option->val;
  return settings;
}

std::string setting(const std::map<std::string, std::string>& settings, const char* keyword) {
  auto found = settings.find(keyword);
  return found == settings.end() ? std::string() : found->second;
}

// `PostgreSQL database "db" on host (port p, user u)`, leaving out what is not known.
std::string describe(const std::string& database, const std::string& host, const std::string& port,
                     const std::string& user) {
  std::string text = "PostgreSQL";
  if (!database.empty()) text += " database \"" + database + "\"";
  text += " on " + (host.empty() ? std::string("the default server") : host);
  std::string details;
  if (!port.empty()) details += "port " + port;
  if (!user.empty()) details += (details.empty() ? "" : ", ") + std::string("user ") + user;
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

std::string describe_connection(const PGconn* connection) {
  auto text = [](const char* value) { return value != nullptr ? std::string(value) : std::string(); };
  return describe(text(PQdb(connection)), text(PQhost(connection)), text(PQport(connection)),
                  text(PQuser(connection)));
}

}  // namespace

bool is_postgres_url(std::string_view location) noexcept {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string describe_url(std::string_view url) {
  auto settings = parse_uri(url);
  if (!settings) return "PostgreSQL (a connection URI libpq cannot parse)";
  std::string host = setting(*settings, "host");
  if (host.empty()) host = setting(*settings, "hostaddr");
  return describe(setting(*settings, "dbname"), host, setting(*settings, "port"), setting(*settings, "user"));
}

Result<std::unique_ptr<sql::Connection>> connect(const std::string& url, const sql::ConnectOptions& options) {
  if (!is_postgres_url(url)) return fail(Errc::InvalidArgument, "not a PostgreSQL URL (postgresql://…)");
  auto settings = parse_uri(url);
  if (!settings) {
    // libpq's reason may quote the URI, password and all: say only what is wrong with it.
    return fail(Errc::Store,
                "open store: the PostgreSQL URL is malformed (libpq cannot parse it; see "
                "https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING)");
  }
  const std::string secret = setting(*settings, "password");
  // Ours come first so the URI's own connect_timeout or application_name win; the client
  // encoding comes after it, as the store's text is UTF-8.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "certkeep", url.c_str(), "UTF8", nullptr};
  PgConnection::Handle connection(PQconnectdbParams(keywords, values, 1));
  if (!connection) return fail(Errc::Store, "open store: out of memory connecting to PostgreSQL");
  if (PQstatus(connection.get()) != CONNECTION_OK)
    return fail(Errc::Store, "cannot connect to " + describe_url(url) + ": " +
                                 libpq_message(PQerrorMessage(connection.get()), secret));
  std::string name = describe_connection(connection.get());
  auto started = PgConnection::start(std::move(connection), std::move(name), secret, options);
  if (!started) return fail(std::move(started).error());
  return std::unique_ptr<sql::Connection>(std::move(*started));
}

}  // namespace certkeep::postgres
