#!/usr/bin/python3
"""Wrap every Ethernet frame of real TCP captures in the encapsulations of vectors/capture/ (scapy).

Usage: encapsulate.py IPV4-SESSION.pcap IPV6-SESSION.pcap OUTDIR

The recording kernel has no vlan, gre, gretap or erspan link types, so these headers are built here
by scapy (not by tlswire) around the frames a real kernel sent; tshark then decodes the result for
the .tsv files. Each output holds the IPv4 session's frames, then the IPv6 session's, timestamps kept:
  qinq.pcap       802.1ad (0x88a8) tag 100, then 802.1Q (0x8100) tag 200
  qinq-8100.pcap  802.1Q tag 100, then 802.1Q tag 300 (the older "0x8100 outer" practice)
  pppoe.pcap      PPPoE session 0x1234 (EtherType 0x8864), PPP protocol 0x0021 (IPv4) / 0x0057 (IPv6)
  gre.pcap        outer IPv4 10.96.0.1 -> 10.96.0.2, GRE with key 42 and sequence numbers, the inner IP packet
  gretap.pcap     GRE (protocol 0x6558) with checksum and key 7, the inner Ethernet frame
  erspan2.pcap    GRE with sequence numbers, protocol 0x88be, ERSPAN type II session 123, the inner frame
  erspan3.pcap    GRE with sequence numbers, protocol 0x22eb, ERSPAN type III session 321, hardware ID 17,
                  egress; every other frame with the optional 8-byte platform-specific subheader
"""
import sys

from scapy.all import GRE, IP, PPP, PPPoE, Dot1AD, Dot1Q, Ether, Raw, rdpcap, wrpcap
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III

SRC, DST = '02:00:00:00:00:01', '02:00:00:00:00:02'


def outer(i: int, proto: int, gre: GRE):
    return Ether(src=SRC, dst=DST) / IP(src='10.96.0.1', dst='10.96.0.2', id=0x1000 + i, ttl=64, flags='DF') / gre


def wrap(kind: str, i: int, frame: Ether):
    inner = bytes(frame.payload)
    v6 = frame.type == 0x86DD
    if kind == 'qinq':
        return Ether(src=SRC, dst=DST) / Dot1AD(vlan=100) / Dot1Q(vlan=200, type=frame.type) / Raw(inner)
    if kind == 'qinq-8100':
        return Ether(src=SRC, dst=DST) / Dot1Q(vlan=100) / Dot1Q(vlan=300, type=frame.type) / Raw(inner)
    if kind == 'pppoe':
        return Ether(src=SRC, dst=DST, type=0x8864) / PPPoE(sessionid=0x1234) / PPP(proto=0x57 if v6 else 0x21) / Raw(inner)
    if kind == 'gre':
        gre = GRE(key_present=1, seqnum_present=1, key=42, sequence_number=i, proto=0x86DD if v6 else 0x0800)
        return outer(i, 47, gre) / Raw(inner)
    if kind == 'gretap':
        return outer(i, 47, GRE(chksum_present=1, key_present=1, key=7, proto=0x6558)) / Raw(bytes(frame))
    if kind == 'erspan2':
        e = ERSPAN_II(ver=1, session_id=123, index=i)  # scapy 2.5 defaults ver to 0
        return outer(i, 47, GRE(seqnum_present=1, sequence_number=i, proto=0x88BE)) / e / Raw(bytes(frame))
    if kind == 'erspan3':
        e = ERSPAN_III(session_id=321, hw=17, d=1, timestamp=1000 * i, o=i % 2)
        sub = Raw(bytes.fromhex('0800000000000000')) if i % 2 else Raw(b'')
        return outer(i, 47, GRE(seqnum_present=1, sequence_number=i, proto=0x22EB)) / e / sub / Raw(bytes(frame))
    raise ValueError(kind)


def main() -> None:
    v4, v6, out = sys.argv[1], sys.argv[2], sys.argv[3]
    frames = list(rdpcap(v4)) + list(rdpcap(v6))
    for kind in ('qinq', 'qinq-8100', 'pppoe', 'gre', 'gretap', 'erspan2', 'erspan3'):
        pkts = []
        for i, f in enumerate(frames):
            p = wrap(kind, i, f)
            p.time = f.time
            pkts.append(p)
        wrpcap(f'{out}/{kind}.pcap', pkts, linktype=1)


if __name__ == '__main__':
    main()
