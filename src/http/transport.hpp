// SPDX-License-Identifier: Apache-2.0
// Transport: the seam for the network. The ACME engine sends every request through one,
// so tests can script a CA (FakeTransport) and production reuses one TLS connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "certkeep/result.hpp"

namespace certkeep::http {

// Header list with case-insensitive look-up; keeps every repeated header (e.g. Link).
class Headers {
 public:
  void add(std::string name, std::string value);
  // The first value of `name`, case-insensitive.
  std::optional<std::string_view> get(std::string_view name) const;
  std::vector<std::string_view> get_all(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const noexcept { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
  std::string method = "GET";  // GET, HEAD or POST
  std::string url;             // https:// only (the transport refuses anything else)
  Headers headers;
  std::string body;
  // The response body is cut off at this size with Errc::Protocol ("body exceeds N bytes"),
  // enforced while receiving, whatever Content-Length says.
  std::size_t max_body_bytes = 256 * 1024;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Counters for benchmarks and tests ("one connection reused through the flow").
struct TransportStats {
  std::size_t requests = 0;
  std::size_t connections_opened = 0;
};

// Not thread-safe: one Transport per flow (or per worker). Errors: Errc::Network (connect,
// TLS, reset), Errc::Timeout, Errc::Protocol (body cap, bad scheme), Errc::InvalidArgument
// (not an https URL). A non-2xx status is not an error at this layer.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<Response> send(const Request& request) = 0;
  virtual TransportStats stats() const = 0;
};

}  // namespace certkeep::http
