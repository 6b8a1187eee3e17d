#!/usr/bin/env python3
"""A stand-in for an external TLS terminator (nginx, HAProxy): serves HTTPS with the files
certkeep deploys and re-reads them on SIGHUP, as `systemctl reload nginx` makes nginx do.
The demo and the Pebble tests point certkeep's --deploy-hook at `kill -HUP <pid>`.

Usage: reloading_https_server.py FULLCHAIN KEY PORT PIDFILE   (listens on 127.0.0.1 only)
"""
import http.server
import os
import signal
import ssl
import sys

fullchain, key, port, pidfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def load_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(fullchain, key)
    return context


class Server(http.server.HTTPServer):
    context = load_context()

    def get_request(self):
        sock, address = self.socket.accept()
        # The context in force when the connection arrives: a reload affects the next handshake.
        return Server.context.wrap_socket(sock, server_side=True), address


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the external server\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def reload(_signum, _frame):
    try:
        Server.context = load_context()
        print("reloaded", flush=True)
    except (OSError, ssl.SSLError) as error:  # keep serving the old certificate
        print(f"reload failed: {error}", flush=True)


signal.signal(signal.SIGHUP, reload)
server = Server(("127.0.0.1", port), Hello)
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))
print("listening", flush=True)
server.serve_forever()
