#!/usr/bin/env python3
"""A FAKE, fault-injecting ACME CA for the fault tests: a TLS proxy in front of the real Pebble.

    fake_ca_proxy.py --upstream https://127.0.0.1:PEBBLE_PORT --upstream-ca PEBBLE_HTTPS_CA
                     --cert SERVER_CERT --key SERVER_KEY
                     --port-file FILE --control FILE --events FILE [--profiles SPEC]

Listens on 127.0.0.1 on a free port (written to --port-file once it listens) with TLS, showing
--cert/--key (the tests pass Pebble's own localhost certificate, so certkeep's --ca-bundle
trusts the proxy too). Every request is forwarded to Pebble over HTTPS with the Host header
kept as the proxy's host:port: Pebble builds its URLs (directory, Location, Link) from the Host
header and checks a JWS "url" against it, so the whole flow runs through the proxy and the
client's signed URLs match what Pebble expects. Loopback only.

The control file is re-read on every request, so a test can turn a fault on and off between
runs. Empty or missing: everything passes through. Otherwise its first non-comment line is

    MATCH ACTION [times=N] [skip=N] [retry_after=N]

MATCH selects requests (Pebble 2.4's paths):
    directory   GET /dir                       nonce      HEAD/GET /nonce-plz
    new-account POST /sign-me-up               new-order  POST /order-plz
    order       POST /my-order/ (fetch, poll)  authz      POST /authZ/
    challenge   POST /chalZ/                   finalize   POST /finalize-order/
    cert        POST /certZ/ (download)        any        every request
    path~REGEX  any request whose path matches REGEX
ACTION is what happens to a matching request:
    slow:SECONDS          forward, then wait SECONDS before answering
    status:CODE           answer CODE with a problem document (429 rateLimited, 403
                          unauthorized, 400 rejectedIdentifier, else serverInternal) and
                          Retry-After (retry_after=N, default 1); Pebble never sees the request
    close_mid_body        forward, send the headers (full Content-Length) and half the body,
                          then close the connection
    truncate_json         forward, answer the first half of the body (Content-Length matching)
    malformed_json        forward, answer a syntactically broken JSON body instead
    oversize[:BYTES]      forward, pad the body with trailing whitespace to BYTES (default
                          2 MiB + 1) with Content-Length declared
    oversize_chunked[:BYTES]  the same, sent chunked with no Content-Length
    content_type:TYPE     forward, answer with Content-Type TYPE
    swap_cert:FILE        forward, answer the PEM in FILE instead of the downloaded chain
    bad_chain:FILE        forward, keep the leaf of the downloaded chain and put the PEM in FILE
                          in place of the rest (the issuer chain)
skip=N lets the first N matching requests pass; times=N breaks only the next N (default: every
one). The counts start again whenever the control file's content changes.

--profiles "NAME=DESCRIPTION;NAME=DESCRIPTION" turns on the profiles mode (Debian's Pebble 2.4.0
has no ACME profiles, draft-aaron-acme-profiles): the directory gains meta.profiles with those
names, and every newOrder's "profile" is logged as "profile NAME" ("profile -" without one). A
newOrder naming a profile not offered is answered 400 invalidProfile without reaching Pebble;
an offered one is forwarded as signed (Pebble ignores the field).

Every request is logged to the events file as "req METHOD PATH -> STATUS", and every fault
applied as "fault MATCH ACTION METHOD PATH" before it is carried out, so a test can check the
fault really fired. A fault that cannot be carried out (a missing FILE, a download without a
certificate for bad_chain) is logged as "fault-error ACTION: WHY" and answered 502.
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

KINDS = {
    "directory": ({"GET"}, r"^/dir$"),
    "nonce": ({"HEAD", "GET"}, r"^/nonce-plz"),
    "new-account": ({"POST"}, r"^/sign-me-up"),
    "new-order": ({"POST"}, r"^/order-plz"),
    "order": ({"POST"}, r"^/my-order/"),
    "authz": ({"POST"}, r"^/authZ/"),
    "challenge": ({"POST"}, r"^/chalZ/"),
    "finalize": ({"POST"}, r"^/finalize-order/"),
    "cert": ({"POST"}, r"^/certZ/"),
    "any": (None, r""),
}
ACTIONS = {"slow", "status", "close_mid_body", "truncate_json", "malformed_json", "oversize",
           "oversize_chunked", "content_type", "swap_cert", "bad_chain"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te",
              "trailer", "upgrade", "proxy-connection"}
PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\r?\n?", re.S)


class Spec:
    """One parsed control line, with its own counters."""

    def __init__(self, text):
        fields = text.split()
        if len(fields) < 2:
            raise ValueError("want 'MATCH ACTION [times=N] [skip=N] [retry_after=N]'")
        self.text = text
        self.match, self.action_text = fields[0], fields[1]
        if self.match.startswith("path~"):
            self.methods, self.pattern = None, re.compile(self.match[5:])
        elif self.match in KINDS:
            methods, pattern = KINDS[self.match]
            self.methods, self.pattern = methods, re.compile(pattern)
        else:
            raise ValueError("unknown MATCH " + self.match)
        self.action, _, self.arg = self.action_text.partition(":")
        if self.action not in ACTIONS:
            raise ValueError("unknown ACTION " + self.action)
        self.times = None
        self.skip = 0
        self.retry_after = "1"
        for option in fields[2:]:
            key, _, value = option.partition("=")
            if key == "times":
                self.times = int(value)
            elif key == "skip":
                self.skip = int(value)
            elif key == "retry_after":
                self.retry_after = value
            else:
                raise ValueError("unknown option " + option)
        self.seen = 0
        self.fired = 0

    def take(self, method, path):
        """True when this request is to be broken (counts it)."""
        if self.methods is not None and method not in self.methods:
            return False
        if not self.pattern.search(path):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True


class Control:
    """The control file, re-read per request; counters reset when its content changes."""

    def __init__(self, path, events):
        self.path = path
        self.events = events
        self.lock = threading.Lock()
        self.content = None
        self.spec = None

    def decide(self, method, path):
        with self.lock:
            try:
                with open(self.path, encoding="utf-8") as control:
                    content = control.read()
            except FileNotFoundError:
                content = ""
            if content != self.content:
                self.content = content
                self.spec = None
                lines = [line.strip() for line in content.splitlines()]
                lines = [line for line in lines if line and not line.startswith("#")]
                if lines:
                    try:
                        self.spec = Spec(lines[0])
                        self.events.note("control " + lines[0])
                    except ValueError as error:
                        self.events.note("control-error %s: %s" % (lines[0], error))
            if self.spec is not None and self.spec.take(method, path):
                return self.spec
            return None


class Events:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def note(self, line):
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")


def parse_profiles(text):
    """ "a=desc;b=desc" -> [(name, description)] in order."""
    profiles = []
    for item in text.split(";"):
        if not item.strip():
            continue
        name, _, description = item.partition("=")
        profiles.append((name.strip(), description.strip()))
    return profiles


def jws_payload(body):
    """The decoded JSON payload of a flattened JWS request body, or None."""
    try:
        payload = json.loads(body)["payload"]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)) if payload else {}
    except (ValueError, KeyError, TypeError):
        return None


def problem_document(status, kind, detail):
    body = json.dumps({"type": "urn:ietf:params:acme:error:" + kind, "detail": detail,
                       "status": status}).encode()
    return [("Content-Type", "application/problem+json")], body


def problem(status, retry_after):
    kind = {429: "rateLimited", 403: "unauthorized", 400: "rejectedIdentifier"}.get(status, "serverInternal")
    body = json.dumps({
        "type": "urn:ietf:params:acme:error:" + kind,
        "detail": "fake_ca_proxy: injected HTTP %d" % status,
        "status": status,
    }).encode()
    headers = [("Content-Type", "application/problem+json"), ("Retry-After", retry_after)]
    return headers, body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_ca_proxy"
    sys_version = ""

    def setup(self):
        self.request.do_handshake()
        super().setup()

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if server.profiles is not None and self.command == "POST" and re.match(r"^/order-plz", self.path):
            refused = self.check_profile(body)
            if refused is not None:
                status, headers, payload = refused
                server.events.note("req %s %s -> %d" % (self.command, self.path, status))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
        spec = server.control.decide(self.command, self.path)
        if spec is not None:
            server.events.note("fault %s %s %s %s" % (spec.match, spec.action_text,
                                                      self.command, self.path))
        if spec is not None and spec.action == "status":
            status = int(spec.arg)
            headers, payload = problem(status, spec.retry_after)
        else:
            try:
                status, headers, payload = self.forward(body)
            except (OSError, http.client.HTTPException) as error:
                server.events.note("req %s %s -> upstream error %s" % (self.command, self.path, error))
                self.send_error(502, "upstream error")
                return
            if server.profiles is not None and self.command == "GET" and self.path == "/dir" and status == 200:
                payload = self.add_profiles(payload)
            if spec is not None:
                try:
                    status, headers, payload = self.corrupt(spec, status, headers, payload)
                except (OSError, ValueError) as error:
                    # A broken fault (e.g. a missing swap_cert file) is the test's error: say so.
                    server.events.note("fault-error %s: %s" % (spec.action_text, error))
                    self.send_error(502, "fake_ca_proxy: the fault failed")
                    return
                if status is None:
                    return  # the connection was closed on purpose
        server.events.note("req %s %s -> %d" % (self.command, self.path, status))
        chunked = spec is not None and spec.action == "oversize_chunked"
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if chunked:
            try:
                for start in range(0, len(payload), 16384):
                    piece = payload[start:start + 16384]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True  # the client stopped reading at its cap
        else:
            self.wfile.write(payload)

    def check_profile(self, body):
        """Logs the newOrder's profile; a refusal (status, headers, body) for one not offered."""
        payload = jws_payload(body)
        profile = payload.get("profile") if isinstance(payload, dict) else None
        self.server.events.note("profile %s" % (profile if profile else "-"))
        offered = [name for name, _ in self.server.profiles]
        if profile and profile not in offered:
            headers, document = problem_document(
                400, "invalidProfile", "fake_ca_proxy: profile %r is not offered (%s)" % (profile, ", ".join(offered)))
            return 400, headers, document
        return None

    def add_profiles(self, payload):
        """The directory with meta.profiles added."""
        directory = json.loads(payload)
        directory.setdefault("meta", {})["profiles"] = dict(self.server.profiles)
        return json.dumps(directory, indent=2).encode()

    def forward(self, body):
        server = self.server
        connection = http.client.HTTPSConnection(server.upstream_host, server.upstream_port,
                                                 context=server.upstream_context, timeout=60)
        try:
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in HOP_BY_HOP}
            # Keep the client's Host (the proxy's host:port): Pebble builds URLs from it.
            headers["Host"] = self.headers.get("Host", "%s:%d" % server.server_address)
            connection.request(self.command, self.path, body=body if body else None,
                               headers=headers)
            response = connection.getresponse()
            payload = response.read()
            # send_response adds its own Date and Server.
            kept = [(name, value) for name, value in response.getheaders()
                    if name.lower() not in HOP_BY_HOP and name.lower() not in ("date", "server")]
            return response.status, kept, payload
        finally:
            connection.close()

    def corrupt(self, spec, status, headers, payload):
        action, arg = spec.action, spec.arg
        if action == "slow":
            time.sleep(float(arg))
        elif action == "close_mid_body":
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[:len(payload) // 2])
            self.wfile.flush()
            self.server.events.note("req %s %s -> %d closed after %d of %d bytes" % (
                self.command, self.path, status, len(payload) // 2, len(payload)))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None, None, None
        elif action == "truncate_json":
            payload = payload[:len(payload) // 2]
        elif action == "malformed_json":
            payload = b'{"status": "valid", "identifiers": [,], "finalize": }'
        elif action in ("oversize", "oversize_chunked"):
            size = int(arg) if arg else 2 * 1024 * 1024 + 1
            payload = payload + b" " * max(0, size - len(payload))
        elif action == "content_type":
            headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
            headers.append(("Content-Type", arg))
        elif action == "swap_cert":
            with open(arg, "rb") as replacement:
                payload = replacement.read()
        elif action == "bad_chain":
            blocks = PEM_BLOCK.findall(payload)
            if not blocks:
                raise ValueError("bad_chain: no certificate in the downloaded body")
            with open(arg, "rb") as replacement:
                payload = blocks[0] + replacement.read()
        return status, headers, payload


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout, a refused certificate) is not the proxy's failure.
        self.events.note("connection error: %s" % (sys.exc_info()[1],))

    def get_request(self):
        sock, address = super().get_request()
        # The handshake runs in the handler's thread (on first read), not in accept().
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--upstream-ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--control", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--profiles", help='profiles mode: "NAME=DESCRIPTION;NAME=DESCRIPTION"')
    args = parser.parse_args()

    match = re.fullmatch(r"https://127\.0\.0\.1:(\d+)/?.*", args.upstream)
    if not match:
        sys.exit("fake_ca_proxy: --upstream must be https://127.0.0.1:PORT")
    events = Events(args.events)
    server = Server(("127.0.0.1", 0), Handler)
    server.upstream_host, server.upstream_port = "127.0.0.1", int(match.group(1))
    server.upstream_context = ssl.create_default_context(cafile=args.upstream_ca)
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(args.cert, args.key)
    server.control = Control(args.control, events)
    server.events = events
    server.profiles = parse_profiles(args.profiles) if args.profiles is not None else None
    port = server.server_address[1]
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as out:
        out.write("%d\n" % port)
    os.replace(args.port_file + ".tmp", args.port_file)
    events.note("listening %d" % port)
    server.serve_forever()


if __name__ == "__main__":
    main()
