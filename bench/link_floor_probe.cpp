// SPDX-License-Identifier: Apache-2.0
// link_floor_probe, link_floor_no_curl, link_floor_baseline
//
// What any process that uses certkeep's libraries pays before doing anything: linked against
// libcurl, OpenSSL and SQLite (as certkeep is), it initializes them and exits. Built without
// libcurl (link_floor_no_curl) it shows libcurl's share, and linked against libstdc++ alone
// (link_floor_baseline) the cost of the process itself. bench/link_floor.sh runs the three
// next to `certkeep --version`.
#include <cstdio>
#include <string>

#ifdef LINK_FLOOR_WITH_CURL
#include <curl/curl.h>
#endif
#ifdef LINK_FLOOR_WITH_LIBRARIES
#include <openssl/ssl.h>
#include <sqlite3.h>
#endif

int main() {
#ifdef LINK_FLOOR_WITH_CURL
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return 1;
  curl_easy_cleanup(easy);
  curl_global_cleanup();
#endif
#ifdef LINK_FLOOR_WITH_LIBRARIES
  if (OPENSSL_init_ssl(0, nullptr) != 1) return 1;
  if (sqlite3_initialize() != SQLITE_OK) return 1;
#endif
  const std::string done = "ok";
  std::puts(done.c_str());
  return 0;
}
