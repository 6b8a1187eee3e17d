// SPDX-License-Identifier: Apache-2.0
// crypto_bench [--seconds S] [--no-openssl]
//
// What one issuance costs in crypto, through certkeep's own wrappers: ES256 JWS signatures
// (every ACME request), RS256 signatures, and P-256 / RSA-2048 key generation, each run on one
// thread for about S seconds (default 1). Next to them, `openssl speed` on the same machine,
// so wrapper overhead shows (openssl speed signs a prepared digest; we hash a JWS signing
// input too). OpenSSL 3.0's speed has no key-generation test: that column says n/a.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "crypto/private_key.hpp"
#include "crypto/signer.hpp"

namespace {

using certkeep::KeyType;
using certkeep::crypto::PrivateKey;
using certkeep::crypto::Signer;

struct Row {
  Row(const char* json_id, const char* table_label) : id(json_id), label(table_label) {}
  const char* id;
  const char* label;
  double ours_per_s = 0;
  long ops = 0;
  std::optional<double> openssl_per_s;
  std::string error;
};

// Calls op() until `seconds` have passed and at least `min_ops` calls were made; op returns
// an empty string on success, else the error text (which stops the loop).
template <class Op>
void measure(Row& row, double seconds, long min_ops, Op op) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto budget = std::chrono::duration<double>(seconds);
  long ops = 0;
  while (ops < min_ops || Clock::now() - start < budget) {
    std::string error = op();
    if (!error.empty()) {
      row.error = std::move(error);
      return;
    }
    ++ops;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  row.ops = ops;
  row.ours_per_s = static_cast<double>(ops) / elapsed;
}

// A signing input the size of a typical ACME JWS (protected header + new-order payload).
std::string jws_signing_input() {
  std::string input(96, 'h');
  input += '.';
  input.append(220, 'p');
  return input;
}

void bench_sign(Row& row, KeyType type, double seconds) {
  auto key = PrivateKey::generate(type);
  if (!key) {
    row.error = key.error().to_string();
    return;
  }
  auto signer = Signer::create(*key);
  if (!signer) {
    row.error = signer.error().to_string();
    return;
  }
  const std::string input = jws_signing_input();
  measure(row, seconds, 10, [&]() -> std::string {
    auto signature = signer->sign(input);
    if (!signature) return signature.error().to_string();
    if (signature->empty()) return "empty signature";
    return {};
  });
}

void bench_keygen(Row& row, KeyType type, double seconds, long min_ops) {
  measure(row, seconds, min_ops, [&]() -> std::string {
    auto key = PrivateKey::generate(type);
    if (!key) return key.error().to_string();
    return {};
  });
}

// The sign/s column of `openssl speed` for "rsa 2048 bits" and "ecdsa (nistp256)" lines:
//   rsa 2048 bits 0.001179s 0.000038s    848.0  26363.9
//    256 bits ecdsa (nistp256)   0.0000s   0.0001s  21479.6   6827.3
// The last two numbers are sign/s and verify/s in both layouts.
struct OpensslFigures {
  std::optional<double> ecdsa_p256_sign;
  std::optional<double> rsa2048_sign;
  std::string error;
};

std::optional<double> sign_per_s(const std::string& line) {
  std::istringstream words(line);
  std::vector<std::string> tokens;
  for (std::string word; words >> word;) tokens.push_back(word);
  if (tokens.size() < 2) return std::nullopt;
  char* end = nullptr;
  const std::string& text = tokens[tokens.size() - 2];
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || value <= 0) return std::nullopt;
  return value;
}

OpensslFigures run_openssl_speed(int seconds) {
  OpensslFigures figures;
  const std::string command =
      "openssl speed -seconds " + std::to_string(seconds) + " ecdsap256 rsa2048 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    figures.error = "cannot run openssl";
    return figures;
  }
  std::string line;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    line = buffer;
    if (line.rfind("rsa 2048 bits", 0) == 0) figures.rsa2048_sign = sign_per_s(line);
    if (line.find("ecdsa (nistp256)") != std::string::npos) figures.ecdsa_p256_sign = sign_per_s(line);
  }
  const int status = ::pclose(pipe);
  if (!figures.rsa2048_sign && !figures.ecdsa_p256_sign)
    figures.error = status == 0 ? "unrecognised openssl speed output" : "openssl speed failed or is missing";
  return figures;
}

void usage(const char* program) { std::fprintf(stderr, "usage: %s [--seconds S] [--no-openssl]\n", program); }

}  // namespace

int main(int argc, char** argv) {
  using certkeep::bench::JsonLine;
  double seconds = 1.0;
  bool with_openssl = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      if (seconds <= 0) {
        usage(argv[0]);
        return 2;
      }
    } else if (arg == "--no-openssl") {
      with_openssl = false;
    } else {
      usage(argv[0]);
      return 2;
    }
  }

  std::vector<Row> rows{{"es256_sign", "ES256 sign (P-256 JWS)"},
                        {"rs256_sign", "RS256 sign (RSA-2048 JWS)"},
                        {"p256_keygen", "P-256 key generation"},
                        {"rsa2048_keygen", "RSA-2048 key generation"}};
  bench_sign(rows[0], KeyType::EcdsaP256, seconds);
  bench_sign(rows[1], KeyType::Rsa2048, seconds);
  bench_keygen(rows[2], KeyType::EcdsaP256, seconds, 10);
  bench_keygen(rows[3], KeyType::Rsa2048, seconds, 5);  // 0.1-1 s each, very variable

  OpensslFigures openssl;
  if (with_openssl) {
    // openssl speed takes whole seconds only.
    const int whole = seconds < 1.5 ? 1 : static_cast<int>(seconds + 0.5);
    openssl = run_openssl_speed(whole);
    rows[0].openssl_per_s = openssl.ecdsa_p256_sign;
    rows[1].openssl_per_s = openssl.rsa2048_sign;
  }

  std::printf("crypto_bench: one thread, %.2g s per row; openssl column from `openssl speed`\n", seconds);
  std::printf("%-28s %14s %16s %8s\n", "operation", "certkeep/s", "openssl speed/s", "ratio");
  bool failed = false;
  for (const Row& row : rows) {
    if (!row.error.empty()) {
      std::printf("%-28s  error: %s\n", row.label, row.error.c_str());
      failed = true;
      continue;
    }
    if (row.openssl_per_s) {
      std::printf("%-28s %14.1f %16.1f %8.2f\n", row.label, row.ours_per_s, *row.openssl_per_s,
                  row.ours_per_s / *row.openssl_per_s);
    } else {
      std::printf("%-28s %14.1f %16s %8s\n", row.label, row.ours_per_s, "n/a", "");
    }
  }
  if (!with_openssl)
    std::printf("(openssl column skipped: --no-openssl)\n");
  else if (!openssl.error.empty())
    std::printf("(openssl column skipped: %s)\n", openssl.error.c_str());

  JsonLine json;
  json.begin().text("bench", "crypto").number("seconds", seconds, 2).begin_array("results");
  for (const Row& row : rows) {
    json.begin().text("op", row.id);
    if (row.error.empty())
      json.number("certkeep_per_s", row.ours_per_s, 1).integer("ops", row.ops);
    else
      json.null("certkeep_per_s").text("error", row.error);
    if (row.openssl_per_s)
      json.number("openssl_per_s", *row.openssl_per_s, 1);
    else
      json.null("openssl_per_s");
    json.end();
  }
  json.end_array().end();
  std::printf("%s\n", json.str().c_str());
  return failed ? 1 : 0;
}
