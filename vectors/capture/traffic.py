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
import socket
import sys

TIMEOUT = 10.0
REQUEST = b'GET /hello HTTP/1.0\r\nHost: localhost\r\n\r\n'
RESPONSE = b'HTTP/1.0 200 OK\r\nContent-Length: 3000\r\n\r\n'
N = 3000


def pattern(seed: int, n: int) -> bytes:
    """xorshift32 (13, 17, 5) from `seed`; each step yields the low byte of the state."""
    s = seed & 0xFFFFFFFF
    out = bytearray(n)
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = s & 0xFF
    return bytes(out)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise RuntimeError(f'EOF after {len(buf)} of {n} bytes')
        buf += chunk
    return bytes(buf)


def recv_eof(sock: socket.socket) -> None:
    for _ in range(1000):
        if not sock.recv(65536):
            return
    raise RuntimeError('no EOF')


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
