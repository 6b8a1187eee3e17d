// SPDX-License-Identifier: Apache-2.0
// The one error type of certkeep: a code for decisions, a message with context added at
// each layer, and the CA's RFC 7807 problem document when the CA refused.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certkeep {

enum class Errc {
  InvalidArgument,  // bad input from the caller or the user (CLI exit 2)
  NotFound,
  Io,       // local filesystem or process failure
  Network,  // connect, TLS, reset
  Timeout,
  Protocol,   // malformed or unexpected reply from the CA
  CaProblem,  // the CA answered with a problem document
  Crypto,
  Store,
  Busy,  // another process holds the lock or lease
  Hook,
  Dns,  // a DNS server refused (its rcode: REFUSED, NOTAUTH, BADSIG, …) or answered wrongly
  Cancelled,
  Internal,
};

std::string_view to_string(Errc code) noexcept;

struct Subproblem {
  std::string type;
  std::string detail;
  std::string identifier;  // the identifier's value, e.g. "a.example.com"
};

// RFC 7807 problem document as sent by an ACME CA (RFC 8555 §6.7).
struct Problem {
  std::string type;  // e.g. "urn:ietf:params:acme:error:badNonce"
  std::string detail;
  std::string instance;
  int status = 0;
  std::vector<Subproblem> subproblems;

  // True when type is "urn:ietf:params:acme:error:<name>".
  bool is(std::string_view acme_error_name) const noexcept;
};

class Error {
 public:
  Error(Errc code, std::string message);
  static Error from_problem(Problem problem, std::optional<std::chrono::seconds> retry_after = std::nullopt);

  Errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::optional<Problem>& problem() const noexcept { return problem_; }
  std::optional<std::chrono::seconds> retry_after() const noexcept { return retry_after_; }

  // Network, Timeout, Busy, a 5xx problem, rateLimited or badNonce: worth trying again later.
  bool is_transient() const noexcept;

  // Prepends "what: " to the message. Use at every layer: `std::move(e).with_context("new-order")`.
  Error with_context(std::string_view what) &&;
  Error with_context(std::string_view what) const&;

  // One line: message, then the problem's type and detail and every subproblem.
  // Control characters from the CA are escaped.
  std::string to_string() const;

 private:
  Errc code_;
  std::string message_;
  std::optional<Problem> problem_;
  std::optional<std::chrono::seconds> retry_after_;
};

}  // namespace certkeep
