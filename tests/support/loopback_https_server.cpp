// SPDX-License-Identifier: Apache-2.0
#include "support/loopback_https_server.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include <httplib.h>

#include "crypto/private_ca.hpp"

namespace certkeep::testing {

namespace {

void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

LoopbackHttpsServer::LoopbackHttpsServer(Handler handler) {
  static std::atomic<int> counter{0};
  dir_ = std::filesystem::temp_directory_path() /
         ("certkeep-https-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir_);
  auto ca = crypto::create_private_ca("certkeep loopback test CA", std::chrono::hours(24)).value();
  auto key = crypto::PrivateKey::generate(KeyType::EcdsaP256).value();
  const auto now = std::chrono::system_clock::now();
  const std::string cert = crypto::issue_leaf_certificate(ca, key, {"127.0.0.1", "localhost"},
                                                          now - std::chrono::hours(1), now + std::chrono::hours(24)).value();
  ca_file_ = dir_ / "ca.pem";
  write_text(ca_file_, ca.cert_pem);
  write_text(dir_ / "cert.pem", cert);
  write_text(dir_ / "key.pem", key.to_pem().value().view());

  server_ = std::make_unique<httplib::SSLServer>((dir_ / "cert.pem").c_str(), (dir_ / "key.pem").c_str());
  if (!server_->is_valid()) throw std::runtime_error("loopback HTTPS server: bad certificate");
  auto route = [handler](const httplib::Request& request, httplib::Response& response) { handler(request, response); };
  const char* any = ".*";
  server_->Get(any, route);
  server_->Post(any, route);
  server_->Options(any, route);
  server_->set_keep_alive_max_count(1000);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("loopback HTTPS server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

LoopbackHttpsServer::~LoopbackHttpsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string LoopbackHttpsServer::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace certkeep::testing
