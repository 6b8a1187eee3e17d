// SPDX-License-Identifier: Apache-2.0
// LoopbackHttpsServer: a real HTTPS server (cpp-httplib) on 127.0.0.1 with a throwaway CA, for
// tests of the curl transport and of clients that must see real TLS and keep-alive. The CA and
// the server certificate are made with OpenSSL directly at start-up (no dependency on
// src/crypto); only the CA certificate is written to disk, in a temp directory removed by the
// destructor.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace certkeep::testing {

class LoopbackHttpsServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Serves GET, HEAD, POST, PUT, DELETE and OPTIONS on every path through `handler`, on an
  // ephemeral port of 127.0.0.1, with keep-alive. The certificate names `names` (DNS names or
  // IP literals; default 127.0.0.1 and localhost). Throws std::runtime_error (test code) when
  // it cannot start. The handler runs on the server's worker threads.
  explicit LoopbackHttpsServer(Handler handler,
                               const std::vector<std::string>& names = {"127.0.0.1", "localhost"});
  // Stops accepting, waits for running handlers, removes the temp directory.
  ~LoopbackHttpsServer();

  LoopbackHttpsServer(const LoopbackHttpsServer&) = delete;
  LoopbackHttpsServer& operator=(const LoopbackHttpsServer&) = delete;

  int port() const noexcept { return port_; }
  // "https://127.0.0.1:<port><path>"
  std::string url(const std::string& path) const;
  // The PEM file of the CA that signed the server's certificate: the root a client must trust.
  const std::filesystem::path& ca_file() const noexcept { return ca_file_; }

 private:
  void start(Handler handler, const std::vector<std::string>& names);

  std::filesystem::path dir_;
  std::filesystem::path ca_file_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace certkeep::testing
