#!/usr/bin/env python3
"""Traffic for the TCP analysis captures: plain Linux TCP sockets, fixed payloads (byte i = i % 251).

usage: traffic.py server PORT MODE | traffic.py client HOST PORT MODE
MODE: bulk      client sends 120000 bytes in 1000-byte writes, server answers 60000, both close
      zerowin   server (4 KiB receive buffer) sleeps 1.5 s before reading; client sends 150000 bytes
      keepalive client enables keep-alive (idle 1 s, interval 1 s), sends 10 bytes, idles 3.5 s
      reuse     client connects twice from source port 40000 (the server closes first each time)
"""
import socket, sys, time

def payload(n):
    return bytes(i % 251 for i in range(n))

def read_all(c, n):
    got = 0
    while got < n:
        b = c.recv(65536)
        if not b: break
        got += len(b)
    return got

def server(port, mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == 'zerowin':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind(('0.0.0.0', port)); s.listen(4)
    for _ in range(2 if mode == 'reuse' else 1):
        c, _ = s.accept()
        if mode == 'bulk':
            read_all(c, 120000); c.sendall(payload(60000)); read_all(c, 1)
        elif mode == 'zerowin':
            time.sleep(1.5)
            while True:
                b = c.recv(2048)
                if not b: break
                time.sleep(0.002)
        elif mode == 'keepalive':
            read_all(c, 10); read_all(c, 1)
        elif mode == 'reuse':
            read_all(c, 100); c.sendall(payload(100))
        c.close()

def client(host, port, mode):
    for _ in range(2 if mode == 'reuse' else 1):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if mode == 'reuse':
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.bind(('0.0.0.0', 40000))
        if mode == 'keepalive':
            c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        c.connect((host, port))
        if mode == 'bulk':
            data = payload(120000)
            for i in range(0, len(data), 1000): c.sendall(data[i:i + 1000])
            read_all(c, 60000)
        elif mode == 'zerowin':
            c.sendall(payload(150000)); c.shutdown(socket.SHUT_WR); read_all(c, 1)
        elif mode == 'keepalive':
            c.sendall(payload(10)); time.sleep(3.5)
        elif mode == 'reuse':
            c.sendall(payload(100)); read_all(c, 100); time.sleep(0.3)
        c.close()
        time.sleep(0.5)

if __name__ == '__main__':
    if sys.argv[1] == 'server': server(int(sys.argv[2]), sys.argv[3])
    else: client(sys.argv[2], int(sys.argv[3]), sys.argv[4])
