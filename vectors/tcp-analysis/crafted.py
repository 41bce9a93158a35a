#!/usr/bin/env python3
"""Write zero-window.pcap: a hand-written TCP exchange (raw IPv4, LINKTYPE_RAW) with what Linux peers
do not send: 1-byte zero window probes at the next sequence number (as other stacks send them), their
ACKs, and a window update. The expected analysis is tshark's, not this script's.

usage: crafted.py OUT.pcap
"""
import struct, sys

C, S = bytes([10, 99, 0, 1]), bytes([10, 99, 0, 2])
CP, SP = 40100, 47299
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def packet(src, dst, sport, dport, seq, ack, flags, win, data=b''):
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, win, 0, 0) + data
    tcp = tcp[:16] + struct.pack('!H', csum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + tcp

def c(seq, ack, flags, win, data=b''): return packet(C, S, CP, SP, seq, ack, flags, win, data)
def s(seq, ack, flags, win, data=b''): return packet(S, C, SP, CP, seq, ack, flags, win, data)

frames = [
    c(1000, 0, SYN, 65535),
    s(5000, 1001, SYN | ACK, 8192),
    c(1001, 5001, ACK, 65535),
    c(1001, 5001, PSH | ACK, 65535, bytes(100)),
    s(5001, 1101, ACK, 0),                       # zero window
    c(1101, 5001, ACK, 65535, b'\x01'),          # zero window probe
    s(5001, 1101, ACK, 0),                       # its ACK (window still zero)
    c(1101, 5001, ACK, 65535, b'\x01'),          # probe again
    s(5001, 1101, ACK, 0),                       # ACK again
    s(5001, 1101, ACK, 4096),                    # window update
    c(1101, 5001, PSH | ACK, 65535, bytes(50)),
    s(5001, 1151, ACK, 4096),
    s(5001, 1151, ACK, 4096),                    # duplicate ACK
    c(1151, 5001, FIN | ACK, 65535),
    s(5001, 1152, FIN | ACK, 4096),
    c(1152, 5002, ACK, 65535),
]
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for i, fr in enumerate(frames):
        f.write(struct.pack('<IIII', 1_800_000_000, 10_000 * (i + 1), len(fr), len(fr)) + fr)
