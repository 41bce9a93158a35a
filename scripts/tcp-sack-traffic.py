#!/usr/bin/env python3
"""Make the Linux kernel send SACK blocks and urgent data, on 127.0.0.1 and ::1 only.

Driven by scripts/record-tcp-sack.sh, which records the traffic with tcpdump into vectors/tcp/sack.pcap.

Loopback neither loses nor reorders segments, so the script makes a hole itself: after a real
connection has exchanged 100 bytes, it sniffs the client's last segment on lo (AF_PACKET) for its
sequence numbers and timestamps, then injects, through a raw socket, three 100-byte segments "from the
client" at 1000, 2000 and 3000 bytes past the client's next sequence number. The server's kernel
queues them out of order and answers each with a duplicate ACK carrying 1, 2, then 3 SACK blocks
(RFC 2018). The injected segments are scaffolding; the vectors are the kernel's answers. Then the
client sends 1 byte of urgent data (MSG_OOB: URG flag and urgent pointer) and 100 ordinary bytes, and
both sides close. Ports: 40010 (IPv4), 40011 (IPv6), and a SYN to the closed port [::1]:40012 (the
kernel answers RST/ACK).
"""

import socket
import struct
import time

ETH_P_ALL = 0x0003


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum (for the injected segments only)."""
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def sniff_segment(sniffer: socket.socket, sport: int, dport: int, want_len: int) -> tuple[int, int, int, int, int]:
    """The first frame on lo from sport to dport with want_len payload bytes: seq, ack, window, tsval, tsecr."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frame = sniffer.recv(70000)
        ethertype = struct.unpack('!H', frame[12:14])[0]
        if ethertype == 0x0800:
            ip = frame[14:]
            ihl = (ip[0] & 15) * 4
            total = struct.unpack('!H', ip[2:4])[0]
            tcp = ip[ihl:total]
        elif ethertype == 0x86DD:
            ip = frame[14:]
            tcp = ip[40 : 40 + struct.unpack('!H', ip[4:6])[0]]
        else:
            continue
        sp, dp, seq, ack, off = struct.unpack('!HHIIB', tcp[:13])
        hlen = (off >> 4) * 4
        if sp != sport or dp != dport or len(tcp) - hlen != want_len:
            continue
        window = struct.unpack('!H', tcp[14:16])[0]
        opts = tcp[20:hlen]
        i = 0
        while i < len(opts):
            kind = opts[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if kind == 8:
                tsval, tsecr = struct.unpack('!II', opts[i + 2 : i + 10])
                return seq, ack, window, tsval, tsecr
            i += opts[i + 1]
        raise RuntimeError('segment without timestamps')
    raise RuntimeError('segment not seen on lo')


def inject(family: int, src: str, dst: str, sport: int, dport: int, seq: int, ack: int, window: int,
           tsval: int, tsecr: int, payload: bytes) -> None:
    """Send one ACK|PSH segment with NOP NOP TS through a raw socket (the kernel adds the IP header)."""
    options = b'\x01\x01\x08\x0a' + struct.pack('!II', tsval, tsecr)
    header = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (5 + len(options) // 4) << 4, 0x18, window, 0, 0)
    segment = header + options + payload
    a = socket.inet_pton(family, src)
    b = socket.inet_pton(family, dst)
    if family == socket.AF_INET:
        pseudo = a + b + struct.pack('!BBH', 0, 6, len(segment))
    else:
        pseudo = a + b + struct.pack('!I3xB', len(segment), 6)
    segment = segment[:16] + struct.pack('!H', checksum(pseudo + segment)) + segment[18:]
    raw = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        raw.sendto(segment, (dst, 0))
    finally:
        raw.close()


def session(family: int, host: str, port: int) -> None:
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sniffer.bind(('lo', 0))
    sniffer.settimeout(5)
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(1)
    cli = socket.create_connection((host, port), timeout=5)
    conn, _ = srv.accept()
    conn.settimeout(5)
    cport = cli.getsockname()[1]
    try:
        cli.sendall(bytes(range(100)))
        got = b''
        while len(got) < 100:
            got += conn.recv(100 - len(got))
        seq, ack, window, tsval, tsecr = sniff_segment(sniffer, cport, port, 100)
        nxt = (seq + 100) & 0xFFFFFFFF
        for k in (1, 2, 3):
            inject(family, host, host, cport, port, (nxt + 1000 * k) & 0xFFFFFFFF, ack, window, tsval, tsecr,
                   bytes([k]) * 100)
            time.sleep(0.05)
        cli.send(b'!', socket.MSG_OOB)
        time.sleep(0.05)
        cli.sendall(bytes(range(100, 200)))
        time.sleep(0.1)
        cli.shutdown(socket.SHUT_WR)
        conn.settimeout(1)
        try:
            while conn.recv(4096):
                pass
        except (TimeoutError, OSError):
            pass
        conn.close()
    finally:
        cli.close()
        srv.close()
        sniffer.close()


def closed_port_v6(port: int) -> None:
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(('::1', port))
    except ConnectionRefusedError:
        pass
    finally:
        s.close()


if __name__ == '__main__':
    session(socket.AF_INET, '127.0.0.1', 40010)
    time.sleep(0.2)
    session(socket.AF_INET6, '::1', 40011)
    time.sleep(0.2)
    closed_port_v6(40012)
    time.sleep(0.2)
