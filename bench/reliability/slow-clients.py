"""Never-reading SSE clients for scenario 3 (bench/reliability/slow-consumers.ts).

Each socket asks for a tiny receive buffer (SO_RCVBUF) and a small segment size (TCP_MAXSEG) before it connects, reads
the response head and the first event (so the stream is known to be open), then never reads again. Node's net API
can set neither option: a paused Node socket on loopback lets the kernel absorb ~4 MB per stream (measured), so the
server would see a never-reading client only after megabytes; these sockets fill after ~50 kB, as a stalled client
across a real network does.

Usage: slow-clients.py PORT PATH... ; prints one JSON line when every stream is open, then on the line `check` on
stdin prints which streams the server has closed (EOF or reset), and exits when stdin closes.
"""
import json
import socket
import sys


def open_stream(port, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    s.connect(('127.0.0.1', port))
    s.sendall(f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n'.encode())
    head = b''
    # The head ends at a blank line; the first event (connected) ends at the next one.
    while head.count(b'\r\n\r\n') + head.count(b'\n\n') < 2 and len(head) < 65536:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    status = head.split(b' ', 2)[1].decode() if head.startswith(b'HTTP/1.1 ') else 'none'
    return s, status


def closed_by_server(s):
    s.setblocking(False)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def main():
    port = int(sys.argv[1])
    paths = sys.argv[2:]
    streams = [open_stream(port, path) for path in paths]
    print(json.dumps({'ready': len(streams), 'statuses': [status for _, status in streams]}), flush=True)
    for line in sys.stdin:
        if line.strip() == 'check':
            closed = [path for path, (s, _) in zip(paths, streams) if closed_by_server(s)]
            print(json.dumps({'closed': closed}), flush=True)


main()
