#!/usr/bin/env python3
"""balancer.py LISTEN_PORT BACKEND_PORT [BACKEND_PORT...]: a loopback TCP balancer for the fleet
test. Each connection to 127.0.0.1:LISTEN_PORT goes to the next backend in turn (round robin),
so Pebble's HTTP-01 requests reach whichever terminator, not necessarily one that ordered; a
backend that refuses the connection (not started yet, stopped) is skipped for the next. It
prints one line per connection ("conn N -> PORT") and stops on SIGTERM."""
import itertools
import signal
import socket
import sys
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_port = int(sys.argv[1])
    ports = [int(port) for port in sys.argv[2:]]
    turn = itertools.count()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    print("listening", listen_port, flush=True)
    for number in itertools.count(1):
        client, _ = server.accept()
        first = next(turn)
        backend = None
        for offset in range(len(ports)):
            port = ports[(first + offset) % len(ports)]
            try:
                backend = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                continue
        if backend is None:
            print(f"conn {number} -> none", flush=True)
            client.close()
            continue
        print(f"conn {number} -> {port}", flush=True)
        for a, b in ((client, backend), (backend, client)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
