#!/usr/bin/env bash
# Record the captures of vectors/tcp-analysis/ (as root, from the repository root):
#   bash vectors/tcp-analysis/record.sh [OUTDIR]
# Three private network namespaces, tw-c (10.99.0.1) - tw-m - tw-s (10.99.0.2), joined by veth pairs;
# in tw-m, impair.py bridges the two veth ends and drops / duplicates / delays / reorders TCP frames
# (this kernel has no sch_netem, so `tc qdisc netem` is replaced by that userspace bridge).
# GSO is off on every veth (gso_max_segs 1) so the capture holds wire-sized segments.
# tcpdump runs in tw-s on s0: the server's view (client data after the impairment).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$HERE}" && pwd)
cleanup() { for n in tw-c tw-m tw-s; do ip netns del $n 2>/dev/null || true; done; }
cleanup; trap cleanup EXIT
for n in tw-c tw-m tw-s; do ip netns add $n; ip -n $n link set lo up; done
ip link add c0 netns tw-c type veth peer name m0 netns tw-m
ip link add s0 netns tw-s type veth peer name m1 netns tw-m
ip -n tw-c addr add 10.99.0.1/24 dev c0; ip -n tw-s addr add 10.99.0.2/24 dev s0
for x in "tw-c c0" "tw-m m0" "tw-m m1" "tw-s s0"; do set -- $x; ip -n $1 link set $2 gso_max_segs 1 up; done

# scenario NAME PORT MODE IMPAIR-ARGS...
scenario() {
  local name=$1 port=$2 mode=$3; shift 3
  ip netns exec tw-m python3 "$HERE/impair.py" m0 m1 "$@" & local imp=$!
  ip netns exec tw-s tcpdump -i s0 -U -s 0 -w "$OUT/$name.pcap" "tcp port $port" 2>/dev/null & local td=$!
  ip netns exec tw-s python3 "$HERE/traffic.py" server "$port" "$mode" & local sv=$!
  sleep 1
  ip netns exec tw-c python3 "$HERE/traffic.py" client 10.99.0.2 "$port" "$mode"
  wait $sv; sleep 1; kill $td $imp; wait $td $imp 2>/dev/null || true
  echo "$name: $(tcpdump -r "$OUT/$name.pcap" 2>/dev/null | wc -l) frames"
}
scenario loss       47201 bulk      --seed 1 --delay 5 --loss 0.05
scenario reorder    47202 bulk      --seed 2 --delay 5 --reorder 0.08 --gap 3
scenario duplicate  47203 bulk      --seed 3 --delay 5 --dup 0.08
scenario mixed      47204 bulk      --seed 4 --delay 10 --loss 0.03 --dup 0.03 --reorder 0.05 --gap 4
scenario zerowin    47205 zerowin   --seed 5 --delay 2
scenario keepalive  47206 keepalive --seed 6 --delay 5
scenario reuse      47207 reuse     --seed 7 --delay 5

# Segments the capture missed (ACKed unseen segment, previous segment not captured): frames 40 (client
# data) and 499 (server data) of loss.pcap removed with editcap, as a lossy capture point would.
editcap "$OUT/loss.pcap" "$OUT/unseen.pcap" 40 499
# Zero window probes at the next sequence number (Linux probes with an old byte, a keep-alive to
# Wireshark): hand-written segments, see crafted.py.
python3 "$HERE/crafted.py" "$OUT/zero-window.pcap"
