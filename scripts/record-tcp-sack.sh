#!/usr/bin/env bash
# Record vectors/tcp/sack.pcap: the Linux kernel answering out-of-order data with SACK blocks, urgent
# data (URG), IPv4 and IPv6, and a RST/ACK from [::1] (see scripts/tcp-sack-traffic.py).
#
# Run as root on Linux with tcpdump:  scripts/record-tcp-sack.sh
# Loopback only (127.0.0.1, ::1). Then regenerate the fixture: node scripts/tcp-segment-fixture.mjs
set -euo pipefail
cd "$(dirname "$0")/.."
out=vectors/tcp/sack.pcap
tcpdump -i lo -U -w "$out" 'tcp portrange 40010-40012' 2>/dev/null &
pid=$!
sleep 1
python3 scripts/tcp-sack-traffic.py
sleep 1
kill -INT "$pid"
wait "$pid" || true
echo "recorded $out: $(tshark -r "$out" 2>/dev/null | wc -l) frames"
