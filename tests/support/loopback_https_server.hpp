// SPDX-License-Identifier: Apache-2.0
// LoopbackHttpsServer: a real HTTPS server (cpp-httplib) on 127.0.0.1 with a throwaway CA, for
// tests of the curl transport and of clients that must see real TLS and keep-alive.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class SSLServer;
struct Request;
struct Response;
}  // namespace httplib

namespace certkeep::testing {

class LoopbackHttpsServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  // Serves every method and path through `handler`. Throws (test code) when it cannot start.
  explicit LoopbackHttpsServer(Handler handler);
  ~LoopbackHttpsServer();

  int port() const noexcept { return port_; }
  std::string url(const std::string& path) const;
  // The PEM of the CA that signed the server's certificate (for --ca-bundle).
  const std::filesystem::path& ca_file() const noexcept { return ca_file_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path ca_file_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace certkeep::testing
