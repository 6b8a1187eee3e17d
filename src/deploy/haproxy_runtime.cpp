// SPDX-License-Identifier: Apache-2.0
#include "deploy/haproxy_runtime.hpp"

#include <algorithm>
#include <thread>

#include "core/result_macros.hpp"
#include "core/strings.hpp"
#include "deploy/atomic_file.hpp"
#include "deploy/socket_io.hpp"

namespace certkeep::deploy {

namespace {

constexpr std::size_t kMaxAnswer = 64 * 1024;
// Another client's transaction is usually committed within milliseconds; wait this long.
constexpr std::chrono::milliseconds kOtherTransactionWait{5000};

// One command on a fresh connection (the socket's non-interactive mode: HAProxy answers and
// closes). Returns the answer text.
Result<std::string> run_command(const HaproxyTarget& target, std::string_view command,
                                std::chrono::milliseconds timeout) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  UniqueFd fd = CERTKEEP_TRY(connect_unix(target.socket, deadline));
  auto sent = send_all(fd.get(), command, deadline);
  if (!sent) return fail(std::move(sent).error().with_context("HAProxy socket " + target.socket));
  auto answer = read_until_closed(fd.get(), kMaxAnswer, deadline);
  if (!answer) return fail(std::move(answer).error().with_context("HAProxy socket " + target.socket));
  return std::move(*answer);
}

// HAProxy's answer on one line, as an error may quote it.
std::string quoted_answer(const std::string& answer) {
  std::string text = core::sanitize_for_terminal(answer, 600);
  for (char& c : text)
    if (c == '\n') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return "\"" + text + "\"";
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// The file of the transaction `show ssl cert` lists ("# transaction" then "*FILE"), or "".
std::string open_transaction(const std::string& listing) {
  const auto header = listing.find("# transaction\n");
  if (header == std::string::npos) return {};
  const auto start = header + std::string_view("# transaction\n").size();
  if (start >= listing.size() || listing[start] != '*') return {};
  const auto end = listing.find('\n', start);
  return listing.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
}

// The FILE of "Transaction created|updated for certificate FILE!", or "".
std::string answered_file(const std::string& answer) {
  constexpr std::string_view kMarker = "for certificate ";
  const auto at = answer.find(kMarker);
  if (at == std::string::npos) return {};
  const auto start = at + kMarker.size();
  const auto end = answer.find("!\n", start);
  return end == std::string::npos ? std::string() : answer.substr(start, end - start);
}

}  // namespace

Result<HaproxyTarget> parse_haproxy_target(std::string_view text) {
  const auto split = text.find(":/");
  if (text.empty() || text.front() != '/' || split == std::string_view::npos)
    return fail(Errc::InvalidArgument, "--deploy-haproxy \"" + std::string(text) +
                                           "\": expected SOCKET:CERTFILE, both absolute paths "
                                           "(/run/haproxy/admin.sock:/etc/haproxy/certs/site.pem)");
  HaproxyTarget target{std::string(text.substr(0, split)), std::string(text.substr(split + 1))};
  for (const std::string* path : {&target.socket, &target.cert_file})
    for (char c : *path)
      if (static_cast<unsigned char>(c) < ' ' || c == ' ')
        return fail(Errc::InvalidArgument, "--deploy-haproxy \"" + std::string(text) +
                                               "\": a path with spaces or control characters "
                                               "cannot be named on HAProxy's command line");
  return target;
}

std::string haproxy_pem(std::string_view cert_pem, std::string_view chain_pem, std::string_view key_pem) {
  std::string out;
  for (std::string_view part : {cert_pem, chain_pem, key_pem}) {
    while (!part.empty()) {
      const auto end = part.find('\n');
      std::string_view line = part.substr(0, end);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) {
        out += line;
        out += '\n';
      }
      if (end == std::string_view::npos) break;
      part.remove_prefix(end + 1);
    }
  }
  return out;
}

Result<void> hand_to_haproxy(const HaproxyTarget& target, std::string_view pem,
                             std::chrono::milliseconds timeout) {
  // The file first: HAProxy forgets a runtime update at its next reload.
  if (auto written = write_file_atomically(target.cert_file, pem, 0600); !written)
    return fail(std::move(written).error().with_context("HAProxy certificate file"));

  const std::string where = "HAProxy socket " + target.socket;
  const std::string after = " (the file on disk is updated; HAProxy serves it after a reload)";
  // One transaction at a time, and HAProxy 2.6 answers a `set` for one file while another
  // file's transaction is open by putting the payload into that other transaction. So: wait
  // (bounded) until no other file's transaction is open, never touching it.
  const auto give_up = std::chrono::steady_clock::now() + kOtherTransactionWait;
  std::chrono::milliseconds pause{50};
  for (;;) {
    const std::string listing = CERTKEEP_TRY(run_command(target, "show ssl cert\n", timeout));
    if (contains(listing, "Permission denied") || contains(listing, "Unknown command"))
      return fail(Errc::Hook, where + " refused `show ssl cert`: " + quoted_answer(listing) +
                                  " (the socket needs `level admin`)" + after);
    const std::string open = open_transaction(listing);
    if (open.empty() || open == target.cert_file) break;
    if (std::chrono::steady_clock::now() + pause > give_up)
      return fail(Errc::Hook,
                  where + ": a transaction on " + open +
                      " is open (another client's, or left by a crash); certkeep leaves it alone. "
                      "Commit or abort it (`abort ssl cert " +
                      open + "`)" + after);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }

  const std::string set = CERTKEEP_TRY(
      run_command(target, "set ssl cert " + target.cert_file + " <<\n" + std::string(pem) + "\n", timeout));
  if (!contains(set, "Transaction created for certificate " + target.cert_file + "!") &&
      !contains(set, "Transaction updated for certificate " + target.cert_file + "!")) {
    // Another client opened a transaction between the check and the set, and HAProxy put our
    // payload into it: abort that, so our certificate never lands in another file.
    const std::string other = answered_file(set);
    if (!other.empty() && other != target.cert_file)
      (void)run_command(target, "abort ssl cert " + other + "\n", timeout);
    return fail(Errc::Hook,
                where + " refused `set ssl cert " + target.cert_file + "`: " + quoted_answer(set) + after);
  }
  const std::string commit =
      CERTKEEP_TRY(run_command(target, "commit ssl cert " + target.cert_file + "\n", timeout));
  if (!contains(commit, "Success!")) {
    // Leave no transaction of ours open for the next client.
    (void)run_command(target, "abort ssl cert " + target.cert_file + "\n", timeout);
    return fail(Errc::Hook, where + " refused `commit ssl cert " + target.cert_file +
                                "`: " + quoted_answer(commit) + after);
  }
  return {};
}

}  // namespace certkeep::deploy
