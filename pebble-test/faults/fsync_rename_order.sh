#!/usr/bin/env bash
# pebble-env: PEBBLE_AUTHZREUSE=0
# Not a fault: the order of the durable steps of a renewal, from strace (docs/reliability.md A).
# The new certificate is committed to the store (an fdatasync of its WAL) before anything of
# the new version is created; each file of the version is fsynced after it is written, and the
# version directory and its parent before live/NAME is renamed onto it; live/ itself is fsynced
# after that rename. A power cut at any point then finds the old version, or the new one whole.
source "$(dirname "$0")/fault-common.bash"
command -v strace >/dev/null || fail "strace is not installed (scripts/install-deps.sh installs it)"

NAME=order.example.com
issue -d "$NAME" >/dev/null 2>"$TEST_DIR/err.log" || fail "issue: $(cat "$TEST_DIR/err.log")"
TRACE="$TEST_DIR/strace.txt"
# LeakSanitizer cannot run under ptrace; in the sanitized test build the leak check is left to
# every other test, the rest of ASan stays on.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  strace -f -qq -o "$TRACE" -e trace=openat,close,pwrite64,fsync,fdatasync,mkdir,symlink,rename,renameat,renameat2 \
  "$CERTKEEP_BIN" --state-dir "$STATE" renew --force >/dev/null 2>"$TEST_DIR/err.log" ||
  fail "renew under strace: $(cat "$TEST_DIR/err.log")"
assert_live "$NAME" "$NAME"

# The checker follows file descriptors per process (strace -f prefixes each line with the pid;
# threads share one table), and prints one line per broken rule.
python3 - "$TRACE" "$STATE" "$NAME" >"$TEST_DIR/order.txt" <<'PY' || fail "the trace does not parse: $(cat "$TEST_DIR/order.txt")"
import re, sys
trace, state, name = sys.argv[1], sys.argv[2].rstrip('/'), sys.argv[3]
open_fds = {}            # fd -> path
synced = set()           # paths fsynced or fdatasynced so far
wal_dirty = False        # the store's WAL was written since its last fdatasync
events = []              # (kind, path) in order
problems = []
call = re.compile(r'^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)')
for line in open(trace):
    m = call.match(line)
    if not m:
        continue
    fn, args, ret = m.group(1), m.group(2), int(m.group(3))
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
    if fn == 'openat' and ret >= 0 and strings:
        open_fds[ret] = strings[0]
        if 'O_CREAT' in args and '/archive/' in strings[0]:
            events.append(('create', strings[0]))
    elif fn == 'close':
        open_fds.pop(int(args.split(',')[0]), None)
    elif fn in ('fsync', 'fdatasync') and ret == 0:
        path = open_fds.get(int(args.split(',')[0]), '?')
        synced.add(path)
        events.append(('sync', path))
        if path.endswith('certkeep.db-wal'):
            wal_dirty = False
    elif fn == 'pwrite64' and ret > 0:
        if open_fds.get(int(args.split(',')[0]), '').endswith('certkeep.db-wal'):
            wal_dirty = True
    elif fn == 'mkdir' and ret == 0 and strings and '/archive/' in strings[0]:
        if wal_dirty:
            problems.append('version directory created before the store commit was synced: ' + strings[0])
        events.append(('mkdir', strings[0]))
    elif fn in ('rename', 'renameat', 'renameat2') and ret == 0 and len(strings) >= 2:
        events.append(('rename', strings[1]))

version_dirs = [p for kind, p in events if kind == 'mkdir' and re.search(r'/archive/[^/]+/v\d+', p)]
if len(version_dirs) != 1:
    problems.append('want one new version directory, saw %d' % len(version_dirs))
else:
    version = version_dirs[0]
    live = state + '/live/' + name
    renames = [i for i, (kind, p) in enumerate(events) if kind == 'rename' and p == live]
    if len(renames) != 1:
        problems.append('want one rename onto %s, saw %d' % (live, len(renames)))
    else:
        switch = renames[0]
        before = events[:switch]
        after = events[switch + 1:]
        for f in ('cert.pem', 'chain.pem', 'fullchain.pem', 'privkey.pem'):
            path = version + '/' + f
            created = [i for i, e in enumerate(before) if e == ('create', path)]
            if not created:
                problems.append('%s not created before the switch' % f)
                continue
            if ('sync', path) not in before[created[0] + 1:]:
                problems.append('%s not fsynced between its creation and the switch' % f)
        for d in (version, version.rsplit('/', 1)[0]):
            if ('sync', d) not in before:
                problems.append('directory %s not fsynced before the switch' % d)
        if ('sync', state + '/live') not in after:
            problems.append('live/ not fsynced after the switch')
print('\n'.join(problems) if problems else 'ok')
PY
[ "$(cat "$TEST_DIR/order.txt")" = ok ] || fail "durable order broken: $(tr '\n' ';' <"$TEST_DIR/order.txt")"
echo "$(grep -c -E 'fsync|fdatasync' "$TRACE") syncs, $(grep -c -E 'rename' "$TRACE") renames traced"
pass "store commit synced, then files, version and live/ each fsynced in order"
