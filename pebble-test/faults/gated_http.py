#!/usr/bin/env python3
"""A webroot server for the fault tests that can hold HTTP-01 requests open.

    gated_http.py PORT WEBROOT GATE_FILE EVENT_LOG

Serves files of WEBROOT on 127.0.0.1:PORT (like `python3 -m http.server`). While GATE_FILE
exists, a request under /.well-known/acme-challenge/ is held: the line "held PATH" is appended
to EVENT_LOG at once, and the answer waits until GATE_FILE is removed. The test uses this to
keep an order pending (Pebble's validator is connected and waiting) for as long as it needs to
kill, restart or freeze the CA at that exact moment. Every request is logged to EVENT_LOG as
"GET PATH STATUS". Loopback only.
"""
import http.server
import os
import sys
import time

PORT = int(sys.argv[1])
WEBROOT = sys.argv[2]
GATE = sys.argv[3]
EVENTS = sys.argv[4]
PREFIX = "/.well-known/acme-challenge/"


def note(line):
    with open(EVENTS, "a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=WEBROOT, **kwargs)

    def do_GET(self):
        if self.path.startswith(PREFIX) and os.path.exists(GATE):
            note("held " + self.path)
            # Bounded, so a forgotten gate cannot keep this process busy forever.
            deadline = time.monotonic() + 120
            while os.path.exists(GATE) and time.monotonic() < deadline:
                time.sleep(0.02)
            note("released " + self.path)
        super().do_GET()

    def log_message(self, fmt, *args):
        note("%s %s" % (self.requestline, fmt % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    with Server(("127.0.0.1", PORT), Handler) as server:
        note("listening %d" % PORT)
        server.serve_forever()
