#!/usr/bin/env bash
# Record the captures of vectors/capture/ (see README.md there): header-only / snap-length captures of
# a TLS connection, a plain TCP session and IPv4 fragments, each made in private network namespaces
# (tw-a, tw-b, tw-r) joined by veth pairs (no traffic leaves them); then QinQ, PPPoE, GRE, GRE-TAP and
# ERSPAN II/III versions of real frames, built by encapsulate.py (scapy: this kernel lacks those links).
# Needs tcpdump, tshark, openssl, python3 and Debian's python3-scapy (/usr/bin/python3).
# Next to every capture: NAME.tsv, tshark's fields (FIELDS below; every occurrence, comma-joined).
# Usage (as root, from the repository root): bash vectors/capture/record.sh [OUTDIR]
set -euo pipefail
ROOT=$(pwd)
OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PKI="$ROOT/test/pki/out"
TRAFFIC=(python3 "$HERE/traffic.py")
A=(ip netns exec tw-a)
B=(ip netns exec tw-b)
R=(ip netns exec tw-r)

FIELDS=(frame.number frame.len frame.cap_len eth.type vlan.etype vlan.id pppoe.session_id ppp.protocol
  ip.src ip.dst ip.hdr_len ip.len ip.id ip.flags.df ip.flags.mf ip.frag_offset ip.ttl ip.proto
  ip.fragment.count ip.reassembled_in ip.reassembled.length
  gre.flags_and_version gre.proto gre.key gre.sequence_number
  erspan.version erspan.spanid erspan.direction erspan.hw
  tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.hdr_len tcp.flags tcp.window_size_value
  tcp.checksum tcp.len tcp.options tcp.stream)

tshark_fields() {
  local args=()
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1" -o tcp.relative_sequence_numbers:FALSE -T fields -E header=y -E separator=/t \
    -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

# The header-only captures get the field list of vectors/tcp/ (scripts/record-tcp-vectors.sh, the
# header line of its .tsv files), with checksum verification on: test/capture/fields.ts prints ours.
tshark_tcp_fields() {
  local args=() f
  for f in $(head -1 "$ROOT/vectors/tcp/client-close.pcap.tsv"); do args+=(-e "$f"); done
  tshark -r "$1" -o tcp.relative_sequence_numbers:FALSE -o tcp.check_checksum:TRUE -T fields -E header=y \
    -E separator=/t -E occurrence=a -E aggregator=, "${args[@]}" 2>/dev/null
}

cleanup() {
  for n in tw-a tw-b tw-r; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
fresh() { # fresh: new namespaces tw-a, tw-b, tw-r with loopback up
  cleanup
  for n in tw-a tw-b tw-r; do ip netns add "$n"; ip -n "$n" link set lo up; done
}
veth() { # veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up
  ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}
TD=
capture() { # capture NS IFACE FILE TCPDUMP-ARGS...
  local ns=$1 iface=$2 file=$3
  shift 3
  ip netns exec "$ns" tcpdump -i "$iface" -U -w "$OUT/$file" "$@" 2>/dev/null &
  TD="$TD $!"
  sleep 1.5
}
finish() { # finish FILE...: stop the tcpdumps, write each file's .tsv
  sleep 1
  for p in $TD; do kill -INT "$p"; done
  for p in $TD; do wait "$p" || true; done
  TD=
  local f
  for f in "$@"; do tshark_fields "$OUT/$f" >"$OUT/$f.tsv"; done
}
tcp_session() { # tcp_session SERVER-ADDR PORT [nodf]: traffic.py server in tw-b, client in tw-a
  "${B[@]}" "${TRAFFIC[@]}" server "$1" "$2" & local sv=$!
  sleep 0.5
  "${A[@]}" "${TRAFFIC[@]}" client "$1" "$2" ${3:-}
  wait "$sv"
}

# 1. Header-only and snap-length captures of one TLS 1.3 connection on tw-a's loopback, three tcpdumps
#    at once: -s 96, -s 54 and a full capture (-s 0) for reference.
fresh
capture tw-a lo header-96.pcap -s 96 tcp port 44301
capture tw-a lo header-54.pcap -s 54 tcp port 44301
capture tw-a lo header-full.pcap -s 0 tcp port 44301
sleep 30 | "${A[@]}" openssl s_server -accept 44301 -naccept 1 -rev -quiet -cert "$PKI/server-rsa.crt" \
  -key "$PKI/server-rsa.key" -tls1_3 >/dev/null 2>&1 & SV=$!
sleep 0.7
(sleep 0.3; echo hello; sleep 0.3; echo world; sleep 0.5) | "${A[@]}" openssl s_client -connect 127.0.0.1:44301 \
  -servername localhost -tls1_3 >/dev/null 2>&1
wait $SV || true
finish
for f in header-96.pcap header-54.pcap header-full.pcap; do tshark_tcp_fields "$OUT/$f" >"$OUT/$f.tsv"; done

# 2. A plain TCP session on a veth pair (tw-a/va 10.92.0.1 <-> tw-b/vb 10.92.0.2), captured on va:
#    the inner traffic of the encapsulated captures (encapsulate.py, below).
fresh
veth tw-a va tw-b vb
ip -n tw-a addr add 10.92.0.1/24 dev va
ip -n tw-b addr add 10.92.0.2/24 dev vb
capture tw-a va session.pcap tcp port 44302
tcp_session 10.92.0.2 44302
finish session.pcap

# 3. IPv4 fragments: tw-a (10.94.0.1) -- tw-r (router) -- tw-b (10.95.0.2); the router's link to tw-b
#    has MTU 600. The client turns path MTU discovery off (no DF) and tw-b's route back advertises MSS
#    1460 while sending at most 600-byte packets itself, so the client's full-sized segments are
#    fragmented by the router. A 3000-byte UDP datagram (DF off) is fragmented by the sender, then again
#    by the router.
fresh
veth tw-a fa tw-r ra
veth tw-r rb tw-b fb
ip -n tw-a addr add 10.94.0.1/24 dev fa
ip -n tw-r addr add 10.94.0.254/24 dev ra
ip -n tw-r addr add 10.95.0.254/24 dev rb
ip -n tw-b addr add 10.95.0.2/24 dev fb
ip -n tw-r link set rb mtu 600
ip netns exec tw-r sysctl -qw net.ipv4.ip_forward=1
ip -n tw-a route add 10.95.0.0/24 via 10.94.0.254
ip -n tw-b route add 10.94.0.0/24 via 10.95.0.254 mtu 600 advmss 1460
capture tw-b fb fragments.pcap ip
"${A[@]}" "${TRAFFIC[@]}" udp 10.95.0.2 44308
tcp_session 10.95.0.2 44307 nodf
finish fragments.pcap

# 4. Encapsulations the recording kernel cannot make (it has no vlan, gre, gretap or erspan link
#    types: `ip link add ... type vlan` answers "Unknown device type"): scapy wraps every frame of
#    session.pcap (and of vectors/tcp/ipv6.pcap) in QinQ tags, PPPoE, GRE, GRE-TAP and ERSPAN II/III.
/usr/bin/python3 "$HERE/encapsulate.py" "$OUT/session.pcap" "$ROOT/vectors/tcp/ipv6.pcap" "$OUT"
for f in qinq.pcap qinq-8100.pcap pppoe.pcap gre.pcap gretap.pcap erspan2.pcap erspan3.pcap; do
  tshark_fields "$OUT/$f" >"$OUT/$f.tsv"
done

{
  date -u +'recorded %Y-%m-%dT%H:%MZ'
  uname -sr
  tcpdump --version 2>&1 | head -2
  tshark --version 2>/dev/null | head -1
  openssl version
  python3 --version
  /usr/bin/python3 -c 'import scapy; print("scapy", scapy.__version__)'

} >"$OUT/TOOLS.txt"
