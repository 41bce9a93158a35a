#!/usr/bin/env python3
"""A userspace netem: bridge Ethernet frames between two interfaces (AF_PACKET), impairing TCP frames.

This kernel has no sch_netem, so `tc qdisc ... netem` cannot run; this does what netem's loss,
duplicate, reorder and delay do, between two veth ends inside a private network namespace.
Decisions come from a seeded PRNG (one draw sequence per direction), so a scenario makes the same
choices for the same frame order. Non-TCP frames (ARP, ...) are forwarded untouched after `delay`.

usage: impair.py IF_A IF_B [--seed N] [--delay MS] [--loss P] [--dup P] [--reorder P --gap MS]
                           [--drop-nth A>B:K,...]   (drop the K-th TCP frame of direction A>B or B>A)
"""
import argparse, heapq, random, select, socket, struct, time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

def fix_tcp_checksum(frame):
    """veth hands over checksum-offloaded frames (partial sums): complete the TCP checksum."""
    ihl = (frame[14] & 15) * 4
    total = struct.unpack('!H', frame[16:18])[0]
    t = 14 + ihl
    seg = bytearray(frame[t:14 + total])
    seg[16:18] = b'\0\0'
    data = frame[26:34] + struct.pack('!BBH', 0, 6, len(seg)) + bytes(seg)
    if len(data) % 2: data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    seg[16:18] = struct.pack('!H', ~s & 0xffff)
    return frame[:t] + bytes(seg) + frame[14 + total:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('a'); ap.add_argument('b')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--delay', type=float, default=0.0, help='one-way delay, ms')
    ap.add_argument('--loss', type=float, default=0.0)
    ap.add_argument('--dup', type=float, default=0.0)
    ap.add_argument('--reorder', type=float, default=0.0, help='probability a frame is held back')
    ap.add_argument('--gap', type=float, default=5.0, help='extra delay of a held-back frame, ms')
    ap.add_argument('--drop-nth', default='', help='e.g. "A>B:5,B>A:12"')
    ap.add_argument('--skip', type=int, default=3, help='never impair the first N TCP frames of a direction')
    o = ap.parse_args()
    socks = {}
    for name in (o.a, o.b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    other = {o.a: socks[o.b], o.b: socks[o.a]}
    dirname = {o.a: 'A>B', o.b: 'B>A'}
    rng = {d: random.Random(f'{o.seed}/{d}') for d in ('A>B', 'B>A')}
    count = {'A>B': 0, 'B>A': 0}
    drops = set()
    for item in filter(None, o.drop_nth.split(',')):
        d, k = item.split(':'); drops.add((d, int(k)))
    queue = []  # (due, n, sock, frame)
    n = 0
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, s, frame = heapq.heappop(queue)
            try: s.send(frame)
            except OSError: pass
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        ready, _, _ = select.select(list(socks.values()), [], [], timeout)
        for s in ready:
            name = [k for k, v in socks.items() if v is s][0]
            while True:
                try: frame, addr = s.recvfrom(65535)
                except BlockingIOError: break
                if addr[2] == PACKET_OUTGOING: continue
                d = dirname[name]; r = rng[d]
                now = time.monotonic(); due = now + o.delay / 1000
                tcp = len(frame) > 23 and frame[12:14] == b'\x08\x00' and frame[23] == 6
                copies = 1
                if tcp:
                    frame = fix_tcp_checksum(frame)
                    count[d] += 1; k = count[d]
                    x_loss, x_dup, x_re = r.random(), r.random(), r.random()
                    if k > o.skip:
                        if (d, k) in drops or x_loss < o.loss: copies = 0
                        elif x_dup < o.dup: copies = 2
                        if x_re < o.reorder: due += o.gap / 1000
                for _ in range(copies):
                    n += 1; heapq.heappush(queue, (due, n, other[name], frame))

if __name__ == '__main__':
    main()
