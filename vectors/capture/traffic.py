#!/usr/bin/env python3
"""TCP traffic between two network namespaces for the recorded vectors of vectors/capture/.

Usage: traffic.py server HOST PORT        (in one namespace; serves one connection, then exits)
       traffic.py client HOST PORT [nodf] (in the other)
       traffic.py udp HOST PORT           (one 3000-byte UDP datagram of pattern(0x9abc), no DF)

The client sends REQUEST plus 3000 bytes of pattern(0x1234) and reads the reply: RESPONSE plus 3000
bytes of pattern(0x5678); then the client closes first. `nodf` turns off path MTU discovery on the
client socket (IP_MTU_DISCOVER = IP_PMTUDISC_DONT), so its packets go without Don't Fragment and a
router with a smaller MTU fragments them. Every wait is bounded by a socket timeout.
"""
import importlib.util
import os
import socket
import sys

TIMEOUT = 10.0
REQUEST = b'GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n'
RESPONSE = b'HTTP/1.0 200 OK\r\nContent-Length: 3000\r\n\r\n'
N = 3000


# pattern(), recv_exact() and recv_eof() are scripts/tcp-traffic.py's (the file name has a hyphen,
# so it is loaded by path).
_spec = importlib.util.spec_from_file_location(
    'tcp_traffic', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../scripts/tcp-traffic.py')
)
_tcp_traffic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tcp_traffic)
pattern = _tcp_traffic.pattern
recv_exact = _tcp_traffic.recv_exact
recv_eof = _tcp_traffic.recv_eof


def server(host: str, port: int) -> None:
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.settimeout(TIMEOUT)
    ls.bind((host, port))
    ls.listen(1)
    conn, _ = ls.accept()
    conn.settimeout(TIMEOUT)
    with conn:
        assert recv_exact(conn, len(REQUEST) + N) == REQUEST + pattern(0x1234, N)
        conn.sendall(RESPONSE + pattern(0x5678, N))
        recv_eof(conn)
    ls.close()


def client(host: str, port: int, nodf: bool) -> None:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(TIMEOUT)
    if nodf:
        c.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    c.connect((host, port))
    c.sendall(REQUEST + pattern(0x1234, N))
    assert recv_exact(c, len(RESPONSE) + N) == RESPONSE + pattern(0x5678, N)
    c.shutdown(socket.SHUT_WR)
    recv_eof(c)
    c.close()


def udp(host: str, port: int) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    s.sendto(pattern(0x9ABC, N), (host, port))
    s.close()


if __name__ == '__main__':
    role, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if role == 'udp':
        udp(host, port)
    elif role == 'server':
        server(host, port)
    else:
        client(host, port, len(sys.argv) > 4 and sys.argv[4] == 'nodf')
