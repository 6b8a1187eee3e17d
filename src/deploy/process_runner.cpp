// SPDX-License-Identifier: Apache-2.0
// PosixProcessRunner: posix_spawnp rather than fork+exec, because the daemon and library users
// are multi-threaded (after fork only async-signal-safe calls are allowed) and because glibc's
// posix_spawnp reports an exec failure as its return value: a missing command is Errc::Io from
// run(), never a silent exit 127. (A command missing *inside* `sh -c` is still exit 127: the
// shell started fine.) Linux/glibc ≥ 2.34 (posix_spawn_file_actions_addclosefrom_np).
#include "deploy/process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <system_error>

#include "core/strings.hpp"
#include "deploy/unique_fd.hpp"

extern char** environ;

namespace certkeep::deploy {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Without a pidfd (old kernel) we cannot poll for the child's exit, so poll in slices.
constexpr milliseconds kFallbackPollSlice{20};

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

Result<void> validate(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty())
    return fail(Errc::InvalidArgument, "run: empty command");
  for (const auto& argument : spec.argv)
    if (has_nul(argument))
      return fail(Errc::InvalidArgument, "run " + spec.argv.front() + ": NUL byte in argument");
  for (const auto& [key, value] : spec.env)
    if (key.empty() || key.find('=') != std::string::npos || has_nul(key) || has_nul(value))
      return fail(Errc::InvalidArgument, "run " + spec.argv.front() + ": invalid environment variable name");
  return {};
}

// The inherited environment with spec.env added or overriding.
std::vector<std::string> build_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> entries;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view key = text.substr(0, text.find('='));
    if (overrides.find(std::string(key)) == overrides.end()) entries.emplace_back(text);
  }
  for (const auto& [key, value] : overrides) entries.push_back(key + "=" + value);
  return entries;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Keeps the pipe off 0-2 so the dup2 onto the child's stdout/stderr cannot collide with it
// (possible when the caller runs with a closed stdin/stdout).
Result<UniqueFd> above_stdio(UniqueFd fd) {
  if (fd.get() > STDERR_FILENO) return fd;
  UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1));
  if (!moved) return fail(Errc::Io, std::string("run: dup pipe: ") + core::errno_text(errno));
  return moved;
}

// RAII for the posix_spawn attribute objects, which have their own destroy calls.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};
  bool actions_ready = false;
  bool attributes_ready = false;
  ~SpawnSetup() {
    if (actions_ready) posix_spawn_file_actions_destroy(&actions);
    if (attributes_ready) posix_spawnattr_destroy(&attributes);
  }
};

int prepare(SpawnSetup& setup, int output_fd) {
  if (int rc = posix_spawn_file_actions_init(&setup.actions); rc != 0) return rc;
  setup.actions_ready = true;
  if (int rc = posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
      rc != 0)
    return rc;
  if (int rc = posix_spawn_file_actions_adddup2(&setup.actions, output_fd, STDOUT_FILENO); rc != 0) return rc;
  if (int rc = posix_spawn_file_actions_adddup2(&setup.actions, output_fd, STDERR_FILENO); rc != 0) return rc;
  // Descriptors other libraries opened without O_CLOEXEC (a database, a socket) must not leak
  // into a hook, and a leaked copy of our pipe would keep it from reaching EOF.
  if (int rc = posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1); rc != 0)
    return rc;

  if (int rc = posix_spawnattr_init(&setup.attributes); rc != 0) return rc;
  setup.attributes_ready = true;
  // Own process group (pgid = child pid), so a timeout can signal the hook and its children.
  // Signal mask and dispositions reset: a caller that blocks or ignores SIGTERM/SIGPIPE must
  // not hand that on (ignored signals survive exec).
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (int rc = posix_spawnattr_setflags(&setup.attributes, flags); rc != 0) return rc;
  if (int rc = posix_spawnattr_setpgroup(&setup.attributes, 0); rc != 0) return rc;
  sigset_t empty;
  sigemptyset(&empty);
  if (int rc = posix_spawnattr_setsigmask(&setup.attributes, &empty); rc != 0) return rc;
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD, SIGXFSZ})
    sigaddset(&defaults, sig);
  return posix_spawnattr_setsigdefault(&setup.attributes, &defaults);
}

// Appends what is readable now. Returns false at EOF or on a read error.
bool read_available(int fd, std::string& buffer, std::size_t keep) {
  char chunk[8192];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      // Keep memory bounded for a chatty hook: only the tail is ever reported.
      if (buffer.size() > 2 * keep + sizeof chunk) buffer.erase(0, buffer.size() - keep);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

bool has_exited(pid_t pid) {
  siginfo_t info{};
  // WNOWAIT: the child stays a zombie, so its pid (and process group id) cannot be reused
  // before we are done signalling the group.
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;
  return info.si_pid == pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::string sanitize_process_output(std::string_view output, std::size_t max_bytes) {
  bool truncated = output.size() > max_bytes;
  if (truncated) {
    output.remove_prefix(output.size() - max_bytes);
    // Do not start in the middle of a UTF-8 sequence.
    while (!output.empty() && (static_cast<unsigned char>(output.front()) & 0xC0) == 0x80)
      output.remove_prefix(1);
  }
  std::string out;
  out.reserve(output.size());
  for (std::size_t i = 0; i < output.size(); ++i) {
    auto c = static_cast<unsigned char>(output[i]);
    if (c == '\r' && i + 1 < output.size() && output[i + 1] == '\n') continue;  // CRLF -> LF
    bool c1 = c == 0xC2 && i + 1 < output.size() && static_cast<unsigned char>(output[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(output[i + 1]) <= 0x9F;
    if (c1) {
      out += "??";  // same length as the two-byte C1 control it replaces
      ++i;
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Result<ProcessResult> PosixProcessRunner::run(const ProcessSpec& spec) {
  if (auto valid = validate(spec); !valid) return fail(std::move(valid).error());
  const std::string& command = spec.argv.front();
  const auto started = Clock::now();

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return fail(Errc::Io, "run " + command + ": pipe: " + core::errno_text(errno));
  auto read_end = above_stdio(UniqueFd(pipe_fds[0]));
  auto write_end = above_stdio(UniqueFd(pipe_fds[1]));
  if (!read_end) return fail(std::move(read_end).error());
  if (!write_end) return fail(std::move(write_end).error());

  SpawnSetup setup;
  if (int rc = prepare(setup, write_end->get()); rc != 0)
    return fail(Errc::Io, "run " + command + ": prepare spawn: " + core::errno_text(rc));

  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = build_environment(spec.env);
  std::vector<char*> argv = pointers_to(argv_strings);
  std::vector<char*> envp = pointers_to(env_strings);
  pid_t pid = -1;
  if (int rc =
          ::posix_spawnp(&pid, command.c_str(), &setup.actions, &setup.attributes, argv.data(), envp.data());
      rc != 0)
    return fail(Errc::Io, "start " + command + ": " + core::errno_text(rc));
  write_end->reset();  // only the child holds the write end now, so its exit gives us EOF

  int read_fd = read_end->get();
  ::fcntl(read_fd, F_SETFL, ::fcntl(read_fd, F_GETFL) | O_NONBLOCK);
  // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the system call directly. -1 (ENOSYS on
  // a kernel before 5.3) only means slower polling.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  ProcessResult result;
  std::string output;
  const std::size_t keep = spec.output_tail_bytes;
  // Capped so that started + timeout cannot overflow the clock.
  const auto deadline = started + std::min<milliseconds>(spec.timeout, std::chrono::hours(24 * 365));
  auto kill_at = Clock::time_point::max();
  bool pipe_open = true;
  bool killed = false;

  while (!has_exited(pid)) {
    auto now = Clock::now();
    if (!result.timed_out && now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + spec.kill_grace;
    }
    if (result.timed_out && !killed && now >= kill_at) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    auto next_event = result.timed_out ? (killed ? Clock::time_point::max() : kill_at) : deadline;
    milliseconds wait = next_event == Clock::time_point::max()
                            ? milliseconds(1000)
                            : std::chrono::ceil<milliseconds>(next_event - now);
    if (!pidfd) wait = std::min(wait, kFallbackPollSlice);
    wait = std::clamp(wait, milliseconds(0), milliseconds(1000));

    pollfd fds[2];
    nfds_t count = 0;
    if (pipe_open) fds[count++] = pollfd{read_fd, POLLIN, 0};
    if (pidfd) fds[count++] = pollfd{pidfd.get(), POLLIN, 0};
    int ready = ::poll(fds, count, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) break;  // cannot happen with valid fds; fall through to waitpid
    if (ready > 0 && pipe_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
      pipe_open = read_available(read_fd, output, keep);
  }
  // What the child wrote before exiting is already in the pipe. A background grandchild that
  // still holds the pipe is not waited for.
  if (pipe_open) read_available(read_fd, output, keep);
  // Sweep the group while the leader is still an unreaped zombie (its pid cannot be reused):
  // children that ignored SIGTERM or outlived the leader go too.
  if (result.timed_out) ::kill(-pid, SIGKILL);
  int status = wait_for(pid);

  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (result.timed_out) result.exit_code = -1;
  result.output_tail = sanitize_process_output(output, keep);
  result.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return result;
}

}  // namespace certkeep::deploy
