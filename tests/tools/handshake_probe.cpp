// SPDX-License-Identifier: Apache-2.0
// certkeep_handshake_probe: a plain OpenSSL 3 TLS client that makes full handshakes against a
// loopback server and records, for each one, whether it succeeded and which leaf certificate
// (serial) it got. The terminator's live-swap tests (pebble-test/terminator/) and
// bench/handshake_bench.sh use it; it knows nothing of certkeep's internals.
//
//   certkeep_handshake_probe --port N --name SNI --cafile PEM [--host 127.0.0.1]
//       [--count N] [--max-seconds S] [--concurrency C] [--rate R]
//       [--stop-after-change-ms MS] [--stop-after-change-count N] [--progress N]
//       [--request] [--records FILE] [--json]
//
// - Each handshake is a new TCP connection and a new SSL with SNI = NAME, the chain verified
//   against PEM and the leaf's names against NAME, no session resumption (no client session
//   cache, no tickets, no session reused). Without --request the probe then closes with a
//   close_notify and waits for the server's (so a server that aborts after the handshake is
//   caught); with --request it sends "GET /" and checks that a "hello, serial X" answer names
//   the served certificate.
// - It stops after --count handshakes (default 1000), after --max-seconds (default 20), on
//   SIGINT/SIGTERM, or once a serial other than the first one has appeared and then
//   --stop-after-change-ms have passed and --stop-after-change-count more handshakes succeeded
//   (either or both; a live-swap test's window after the swap).
// - --rate R paces the C threads to about R handshakes per second in total (0: as fast as
//   they go). Loopback only: --host must be in 127.0.0.0/8.
//
// Output on stdout: a "seen serial X at_ms T" line the moment each new serial first appears
// (T: CLOCK_REALTIME milliseconds at the end of that handshake), with --progress N a
// "progress M" line after every N handshakes (M so far), then the summary:
//   handshakes N ok N failed N seconds S per_second R concurrency C
//   first_error MESSAGE|-
//   max_gap_ms G stale_after_swap N resumed N
//   serial I HEX first_ms T last_ms T count N     (one per serial, in order of appearance)
// and with --json one line {"probe":"handshake",...} with the same figures.
// max_gap_ms: the longest time between two consecutive successful handshakes' ends.
// stale_after_swap: handshakes that started after a newer serial was first seen and still got
// an older one (a served certificate that went back in time).
// Exit status: 0 when every handshake succeeded (and there was at least one), 1 otherwise,
// 2 for bad arguments or a CA file that does not load.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string name;
  std::string cafile;
  long count = 1000;
  double max_seconds = 20;
  int concurrency = 1;
  double rate = 0;  // handshakes per second over all threads; 0: unpaced
  long stop_after_change_ms = -1;
  long stop_after_change_count = -1;
  long progress = 0;  // a "progress N" line every this many handshakes; 0: none
  bool request = false;
  bool json = false;
  std::string records_path;
};

struct Record {
  std::int64_t start_us = 0;  // CLOCK_REALTIME, microseconds
  std::int64_t end_us = 0;
  bool ok = false;
  std::string serial;  // uppercase hex of the served leaf; empty when none
  std::string error;   // set when !ok
};

struct SerialSeen {
  std::string serial;
  std::int64_t first_us = 0;
  std::int64_t last_us = 0;
  long count = 0;
};

// Everything the worker threads share; records and serials under `mutex`.
struct Shared {
  std::mutex mutex;
  std::vector<Record> records;
  std::vector<SerialSeen> serials;  // in order of first appearance
  std::optional<SteadyClock::time_point> changed_at;
  long since_change = 0;  // successful handshakes ended since changed_at
  std::atomic<long> started{0};
  std::atomic<bool> stop{false};
};

std::atomic<bool> g_signalled{false};  // lock-free, so safe to set from a signal handler

extern "C" void on_signal(int) { g_signalled.store(true); }

std::int64_t realtime_us() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

bool is_loopback_v4(const std::string& host) {
  in_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

std::optional<Options> parse_args(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--request") {
      options.request = true;
      continue;
    }
    if (flag == "--json") {
      options.json = true;
      continue;
    }
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    bool good = true;
    if (flag == "--host")
      options.host = value;
    else if (flag == "--name")
      options.name = value;
    else if (flag == "--cafile")
      options.cafile = value;
    else if (flag == "--records")
      options.records_path = value;
    else if (flag == "--port")
      good = (options.port = parse_number<int>(value).value_or(0)) > 0 && options.port < 65536;
    else if (flag == "--count")
      good = (options.count = parse_number<long>(value).value_or(0)) > 0;
    else if (flag == "--concurrency")
      good = (options.concurrency = parse_number<int>(value).value_or(0)) > 0 && options.concurrency <= 64;
    else if (flag == "--max-seconds")
      good = (options.max_seconds = parse_number<double>(value).value_or(0)) > 0;
    else if (flag == "--rate")
      good = (options.rate = parse_number<double>(value).value_or(-1)) >= 0;
    else if (flag == "--stop-after-change-ms")
      good = (options.stop_after_change_ms = parse_number<long>(value).value_or(-1)) >= 0;
    else if (flag == "--stop-after-change-count")
      good = (options.stop_after_change_count = parse_number<long>(value).value_or(-1)) >= 0;
    else if (flag == "--progress")
      good = (options.progress = parse_number<long>(value).value_or(0)) > 0;
    else
      return std::nullopt;
    if (!good) return std::nullopt;
  }
  if (options.port == 0 || options.name.empty() || options.cafile.empty() || !is_loopback_v4(options.host))
    return std::nullopt;
  return options;
}

// OpenSSL's queued errors (all of them, oldest first), emptying the queue.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += text.empty() ? "" : "; ";
    text += buffer;
  }
  return text;
}

// Why an SSL call failed, with the SSL_get_error class and errno where they say more.
std::string ssl_failure(SSL* ssl, int result, std::string_view what) {
  const int code = SSL_get_error(ssl, result);
  const int saved_errno = errno;
  std::string text = std::string(what) + ": ";
  const std::string queued = openssl_errors();
  switch (code) {
    case SSL_ERROR_ZERO_RETURN: text += "the peer closed the TLS connection"; break;
    case SSL_ERROR_SYSCALL:
      text += queued.empty() ? (saved_errno != 0 ? std::strerror(saved_errno) : "unexpected EOF") : queued;
      break;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: text += "timed out"; break;
    default: text += queued.empty() ? "SSL error " + std::to_string(code) : queued;
  }
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) text += std::string(" (verify: ") + X509_verify_cert_error_string(verify) + ")";
  return text;
}

std::string serial_hex(X509* certificate) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr), &BN_free);
  if (!number) return "";
  std::unique_ptr<char, void (*)(char*)> hex(BN_bn2hex(number.get()), [](char* p) { OPENSSL_free(p); });
  return hex ? std::string(hex.get()) : "";
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads until the server's close_notify (true) or an error; `body` gets what was read.
bool read_to_close(SSL* ssl, std::string& body, std::string& error) {
  char buffer[1024];
  for (;;) {
    const int n = SSL_read(ssl, buffer, sizeof buffer);
    if (n > 0) {
      if (body.size() < 64 * 1024) body.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN) return true;
    error = ssl_failure(ssl, n, "close");
    return false;
  }
}

// One full handshake (and the close or request around it), as a Record.
Record handshake_once(SSL_CTX* ctx, const Options& options, const sockaddr_in& address) {
  Record record;
  record.start_us = realtime_us();
  auto finish = [&record](std::string error) {
    record.end_us = realtime_us();
    record.ok = error.empty();
    record.error = std::move(error);
    ERR_clear_error();
    return std::move(record);
  };

  FileDescriptor fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return finish(std::string("socket: ") + std::strerror(errno));
  timeval timeout{5, 0};  // a stalled server fails the handshake instead of hanging the probe
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return finish(std::string("connect: ") + std::strerror(errno));

  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx), &SSL_free);
  // SNI through SSL_ctrl: SSL_set_tlsext_host_name is a macro with a C cast.
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1 ||
      SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.name.c_str())) != 1 ||
      SSL_set1_host(ssl.get(), options.name.c_str()) != 1)
    return finish("SSL setup: " + openssl_errors());
  errno = 0;
  if (const int result = SSL_connect(ssl.get()); result != 1)
    return finish(ssl_failure(ssl.get(), result, "handshake"));
  if (SSL_session_reused(ssl.get()) != 0) return finish("handshake: the session was resumed");
  if (SSL_get_verify_result(ssl.get()) != X509_V_OK)
    return finish(std::string("handshake: verify: ") +
                  X509_verify_cert_error_string(SSL_get_verify_result(ssl.get())));
  if (X509* leaf = SSL_get0_peer_certificate(ssl.get())) record.serial = serial_hex(leaf);
  if (record.serial.empty()) return finish("handshake: no serial in the server's certificate");

  std::string body;
  std::string error;
  if (options.request) {
    const std::string get = "GET / HTTP/1.1\r\nHost: " + options.name + "\r\nConnection: close\r\n\r\n";
    if (const int written = SSL_write(ssl.get(), get.data(), static_cast<int>(get.size())); written <= 0)
      return finish(ssl_failure(ssl.get(), written, "request"));
    if (!read_to_close(ssl.get(), body, error)) return finish(error);
    SSL_shutdown(ssl.get());
    if (body.find("hello, serial " + record.serial + "\n") == std::string::npos)
      return finish("request: the answer does not name serial " + record.serial);
    return finish("");
  }
  // Our close_notify, then the server's: the server finished its side of the handshake too.
  if (SSL_shutdown(ssl.get()) < 0) return finish(ssl_failure(ssl.get(), -1, "close"));
  if (!read_to_close(ssl.get(), body, error)) return finish(error);
  return finish("");
}

// Notes a record in `shared`; prints the "seen serial" line for a serial not seen before.
void note(Shared& shared, Record record, const Options& options) {
  std::lock_guard lock(shared.mutex);
  if (record.ok) {
    auto seen = std::find_if(shared.serials.begin(), shared.serials.end(),
                             [&](const SerialSeen& s) { return s.serial == record.serial; });
    if (seen == shared.serials.end()) {
      shared.serials.push_back({record.serial, record.end_us, record.end_us, 0});
      seen = shared.serials.end() - 1;
      std::printf("seen serial %s at_ms %" PRId64 "\n", record.serial.c_str(), record.end_us / 1000);
      std::fflush(stdout);
      if (shared.serials.size() == 2) shared.changed_at = SteadyClock::now();
    }
    if (shared.changed_at) ++shared.since_change;
    seen->first_us = std::min(seen->first_us, record.end_us);
    seen->last_us = std::max(seen->last_us, record.end_us);
    ++seen->count;
  }
  shared.records.push_back(std::move(record));
  if (options.progress > 0 && shared.records.size() % static_cast<std::size_t>(options.progress) == 0) {
    std::printf("progress %zu\n", shared.records.size());
    std::fflush(stdout);
  }
  // After a change: stop once both windows (those asked for) have passed.
  const bool by_time = options.stop_after_change_ms >= 0;
  const bool by_count = options.stop_after_change_count >= 0;
  if (shared.changed_at && (by_time || by_count) &&
      (!by_time ||
       SteadyClock::now() >= *shared.changed_at + std::chrono::milliseconds(options.stop_after_change_ms)) &&
      (!by_count || shared.since_change >= options.stop_after_change_count))
    shared.stop.store(true);
}

void worker(int index, SSL_CTX* ctx, const Options& options, const sockaddr_in& address, Shared& shared,
            SteadyClock::time_point start, SteadyClock::time_point deadline) {
  // Pacing: thread `index` takes every concurrency-th slot of a schedule of `rate` per second.
  const bool paced = options.rate > 0;
  const auto interval = paced ? std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(options.concurrency / options.rate))
                              : SteadyClock::duration::zero();
  auto next = start + interval * index / options.concurrency;
  for (;;) {
    if (shared.stop.load() || g_signalled.load()) return;
    if (paced) {
      // Short sleeps, so a stop is noticed promptly.
      while (SteadyClock::now() < next) {
        if (shared.stop.load() || g_signalled.load()) return;
        std::this_thread::sleep_until(std::min(next, SteadyClock::now() + std::chrono::milliseconds(50)));
      }
      next += interval;
    }
    if (SteadyClock::now() >= deadline) {
      shared.stop.store(true);
      return;
    }
    if (shared.started.fetch_add(1) >= options.count) return;
    note(shared, handshake_once(ctx, options, address), options);
  }
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

struct Summary {
  long total = 0;
  long ok = 0;
  long failed = 0;
  std::string first_error;
  double seconds = 0;
  double per_second = 0;
  double max_gap_ms = 0;
  long stale_after_swap = 0;
};

Summary summarize(Shared& shared, double seconds) {
  Summary summary;
  std::vector<Record>& records = shared.records;
  std::sort(records.begin(), records.end(),
            [](const Record& a, const Record& b) { return a.end_us < b.end_us; });
  summary.total = static_cast<long>(records.size());
  std::int64_t previous_end = -1;
  for (const Record& record : records) {
    if (!record.ok) {
      ++summary.failed;
      if (summary.first_error.empty()) summary.first_error = record.error;
      continue;
    }
    ++summary.ok;
    if (previous_end >= 0)
      summary.max_gap_ms =
          std::max(summary.max_gap_ms, static_cast<double>(record.end_us - previous_end) / 1000.0);
    previous_end = record.end_us;
    // A handshake that began after a newer serial was first seen must not get an older one.
    const auto mine = std::find_if(shared.serials.begin(), shared.serials.end(),
                                   [&](const SerialSeen& s) { return s.serial == record.serial; });
    for (auto newer = mine + 1; newer < shared.serials.end(); ++newer) {
      if (record.start_us > newer->first_us) {
        ++summary.stale_after_swap;
        break;
      }
    }
  }
  summary.seconds = seconds;
  summary.per_second = seconds > 0 ? static_cast<double>(summary.total) / seconds : 0;
  return summary;
}

void print_summary(const Summary& summary, const Shared& shared, const Options& options) {
  std::printf("handshakes %ld ok %ld failed %ld seconds %.3f per_second %.1f concurrency %d\n", summary.total,
              summary.ok, summary.failed, summary.seconds, summary.per_second, options.concurrency);
  std::printf("first_error %s\n", summary.first_error.empty() ? "-" : summary.first_error.c_str());
  std::printf("max_gap_ms %.3f stale_after_swap %ld resumed 0\n", summary.max_gap_ms,
              summary.stale_after_swap);
  int index = 0;
  for (const SerialSeen& seen : shared.serials) {
    std::printf("serial %d %s first_ms %" PRId64 " last_ms %" PRId64 " count %ld\n", ++index,
                seen.serial.c_str(), seen.first_us / 1000, seen.last_us / 1000, seen.count);
  }
  if (options.json) {
    std::string serials;
    for (const SerialSeen& seen : shared.serials) {
      serials += serials.empty() ? "" : ",";
      serials += "{\"serial\":" + json_string(seen.serial) +
                 ",\"first_ms\":" + std::to_string(seen.first_us / 1000) +
                 ",\"last_ms\":" + std::to_string(seen.last_us / 1000) +
                 ",\"count\":" + std::to_string(seen.count) + "}";
    }
    std::printf(
        "{\"probe\":\"handshake\",\"host\":%s,\"port\":%d,\"name\":%s,\"concurrency\":%d,\"request\":%s,"
        "\"total\":%ld,\"ok\":%ld,\"failed\":%ld,\"first_error\":%s,\"seconds\":%.3f,\"handshakes_per_s\":%."
        "1f,"
        "\"max_gap_ms\":%.3f,\"stale_after_swap\":%ld,\"serials\":[%s]}\n",
        json_string(options.host).c_str(), options.port, json_string(options.name).c_str(),
        options.concurrency, options.request ? "true" : "false", summary.total, summary.ok, summary.failed,
        summary.first_error.empty() ? "null" : json_string(summary.first_error).c_str(), summary.seconds,
        summary.per_second, summary.max_gap_ms, summary.stale_after_swap, serials.c_str());
  }
  std::fflush(stdout);
}

bool write_records(const std::string& path, const std::vector<Record>& records) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!file) return false;
  for (const Record& record : records) {
    std::fprintf(file.get(), "%" PRId64 ".%03d %" PRId64 ".%03d %s %s%s%s\n", record.start_us / 1000,
                 static_cast<int>(record.start_us % 1000), record.end_us / 1000,
                 static_cast<int>(record.end_us % 1000), record.ok ? "ok" : "fail",
                 record.serial.empty() ? "-" : record.serial.c_str(), record.error.empty() ? "" : " ",
                 record.error.c_str());
  }
  return std::fflush(file.get()) == 0;
}

// The client context every handshake shares: verification on, no resumption.
std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> make_context(const Options& options) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return ctx;
  if (SSL_CTX_load_verify_file(ctx.get(), options.cafile.c_str()) != 1) {
    std::fprintf(stderr, "handshake_probe: cannot load %s: %s\n", options.cafile.c_str(),
                 openssl_errors().c_str());
    ctx.reset();
    return ctx;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  return ctx;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_args(argc, argv);
  if (!parsed) {
    std::fprintf(
        stderr,
        "usage: %s --port N --name SNI --cafile PEM [--host 127.0.0.1] [--count N] [--max-seconds S]\n"
        "          [--concurrency C] [--rate R] [--stop-after-change-ms MS] [--stop-after-change-count N]\n"
        "          [--progress N] [--request] [--records FILE] [--json]   (--host: a 127.0.0.0/8 address)\n",
        argv[0]);
    return 2;
  }
  const Options options = std::move(*parsed);
  auto ctx = make_context(options);
  if (!ctx) return 2;

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(options.port));
  ::inet_pton(AF_INET, options.host.c_str(), &address.sin_addr);

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Shared shared;
  const SteadyClock::time_point start = SteadyClock::now();
  const SteadyClock::time_point deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                                       std::chrono::duration<double>(options.max_seconds));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(options.concurrency));
  for (int i = 0; i < options.concurrency; ++i)
    threads.emplace_back(worker, i, ctx.get(), std::cref(options), std::cref(address), std::ref(shared),
                         start, deadline);
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();

  const Summary summary = summarize(shared, seconds);
  print_summary(summary, shared, options);
  if (!options.records_path.empty() && !write_records(options.records_path, shared.records)) {
    std::fprintf(stderr, "handshake_probe: cannot write %s\n", options.records_path.c_str());
    return 1;
  }
  return summary.failed == 0 && summary.ok > 0 ? 0 : 1;
}
