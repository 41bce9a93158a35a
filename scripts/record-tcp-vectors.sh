#!/usr/bin/env bash
# Record the real kernel TCP sessions in vectors/tcp/ (see vectors/README.md, section "TCP").
#
# Run as root on Linux with tcpdump, tshark and editcap installed:  scripts/record-tcp-vectors.sh
# Traffic: scripts/tcp-traffic.py on 127.0.0.1 / ::1 only. Every capture runs four tcpdumps at once:
#   NAME.pcap       -i lo, microsecond pcap, link type EN10MB (1)
#   NAME.nano.pcap  -i lo, nanosecond pcap (--time-stamp-precision=nano)
#   NAME.sll.pcap   -i any -y LINUX_SLL   (link type 113)
#   NAME.sll2.pcap  -i any -y LINUX_SLL2  (link type 276)
# and converts with editcap: NAME.pcapng (from NAME.pcap) and NAME.nano.pcapng (from NAME.nano.pcap).
# The bulk transfer is recorded only as bulk.pcap (size), with lo's gso_max_segs set to 1 while it runs
# so that the kernel hands tcpdump MSS-sized segments instead of 64 KB GSO super-packets (restored after).
# Next to every capture, tshark's view: NAME*.tsv (fields, one row per frame) and, for -i lo pcaps,
# NAME.follow.txt (tshark -q -z follow,tcp,raw,N for each stream; not for bulk: the tests run tshark on it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=vectors/tcp
mkdir -p "$out"
traffic=scripts/tcp-traffic.py

FIELDS=(frame.number frame.time_epoch frame.len frame.cap_len
  ip.src ip.dst ip.hdr_len ip.len ip.id ip.flags.df ip.flags.mf ip.frag_offset ip.ttl ip.proto
  ipv6.src ipv6.dst ipv6.plen ipv6.nxt ipv6.hlim
  tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.window_size_value
  tcp.checksum tcp.checksum.status tcp.urgent_pointer tcp.len tcp.options
  tcp.options.mss_val tcp.options.wscale.shift tcp.options.sack_perm
  tcp.options.timestamp.tsval tcp.options.timestamp.tsecr tcp.options.sack_le tcp.options.sack_re tcp.stream)

tshark_fields() {
  local args=()
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1" -o tcp.relative_sequence_numbers:FALSE -o tcp.check_checksum:TRUE \
    -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

tshark_follow() {
  local n
  n=$(tshark -r "$1" -T fields -e tcp.stream 2>/dev/null | sort -n | uniq | wc -l)
  for ((i = 0; i < n; i++)); do tshark -r "$1" -q -z "follow,tcp,raw,$i" 2>/dev/null; done
}

PIDS=()
start() { # start FILE IFACE FILTER EXTRA...
  local file=$1 iface=$2 filter=$3
  shift 3
  tcpdump -i "$iface" -U -w "$file" "$@" "$filter" 2>/dev/null &
  PIDS+=($!)
}
stop_all() {
  sleep 1
  for p in "${PIDS[@]}"; do kill -INT "$p"; done
  for p in "${PIDS[@]}"; do wait "$p" || true; done
  PIDS=()
}

record() { # record NAME SCENARIO PORT [lo-only]
  local name=$1 scenario=$2 port=$3 only=${4:-}
  local filter="tcp port $port"
  start "$out/$name.pcap" lo "$filter"
  if [[ -z $only ]]; then
    start "$out/$name.nano.pcap" lo "$filter" --time-stamp-precision=nano
    start "$out/$name.sll.pcap" any "$filter" -y LINUX_SLL
    start "$out/$name.sll2.pcap" any "$filter" -y LINUX_SLL2
  fi
  sleep 1.5
  python3 "$traffic" "$scenario" "$port"
  stop_all
  if [[ -z $only ]]; then
    editcap -F pcapng "$out/$name.pcap" "$out/$name.pcapng"
    editcap -F pcapng "$out/$name.nano.pcap" "$out/$name.nano.pcapng"
  fi
  local f
  for f in "$out/$name".pcap "$out/$name".{nano.pcap,sll.pcap,sll2.pcap,pcapng,nano.pcapng}; do
    [[ -f $f ]] && tshark_fields "$f" >"$f.tsv"
  done
  [[ -z $only ]] && tshark_follow "$out/$name.pcap" >"$out/$name.follow.txt"
  return 0
}

record client-close client-close 40001
record server-close server-close 40002
record rst rst 40003
record ipv6 ipv6 40004

old_segs=$(ip -d link show lo | grep -o 'gso_max_segs [0-9]*' | head -1 | cut -d' ' -f2)
trap 'ip link set dev lo gso_max_segs "$old_segs"' EXIT
ip link set dev lo gso_max_segs 1
record bulk bulk 40006 lo-only
ip link set dev lo gso_max_segs "$old_segs"

{
  date -u +'recorded %Y-%m-%dT%H:%MZ'
  uname -sr
  tcpdump --version 2>&1 | head -2
  tshark --version 2>/dev/null | head -1
  editcap --version 2>/dev/null | head -1
  python3 --version
} >"$out/TOOLS.txt"
