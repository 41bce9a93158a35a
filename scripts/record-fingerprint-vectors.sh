#!/usr/bin/env bash
# Record the ClientHello/ServerHello of real clients (openssl s_client, gnutls-cli, curl; node:tls is in
# vectors/tls/)
# against `openssl s_server` on 127.0.0.1, one small capture per client, into vectors/fingerprint/,
# then write tshark's JA3/JA3S of every capture (vectors/tls/, vectors/fingerprint/) and the JA4 of
# the read-tls-client-hello npm package (an independent implementation, fetched with `npm pack`
# into a temporary directory, not a dependency). Run as root (tcpdump on lo).
# Usage: bash scripts/record-fingerprint-vectors.sh [--no-record]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=vectors/fingerprint
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PORT=44470

if [ "${1:-}" != --no-record ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" \
    -days 3650 -subj '/CN=localhost' -addext 'subjectAltName=DNS:localhost' 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/rsa.key" -out "$W/rsa.pem" \
    -days 3650 -subj '/CN=localhost' 2>/dev/null

  record() { # name, client command...
    local name=$1; shift
    PORT=$((PORT + 1))
    tcpdump -i lo -U -s 0 -w "$OUT/$name.pcap" "tcp port $PORT" 2>/dev/null &
    local dpid=$!
    openssl s_server -accept 127.0.0.1:$PORT -cert "$W/cert.pem" -key "$W/key.pem" -dcert "$W/rsa.pem" \
      -dkey "$W/rsa.key" -cipher 'ALL:@SECLEVEL=0' -alpn h2,http/1.1 -www -naccept 1 >/dev/null 2>&1 &
    local spid=$!
    sleep 0.7
    "${@//PORT/$PORT}" </dev/null >/dev/null 2>&1 || true
    sleep 0.5
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    kill "$dpid"
    wait "$dpid" 2>/dev/null || true
  }

  record openssl-default timeout 5 openssl s_client -connect 127.0.0.1:PORT -servername localhost -alpn h2,http/1.1
  record openssl-legacy timeout 5 openssl s_client -connect 127.0.0.1:PORT -no_tls1_3 -noservername \
    -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'
  record gnutls timeout 5 gnutls-cli --insecure --port PORT --alpn http/1.1 localhost
  record curl timeout 5 curl -sk https://localhost:PORT/
  record curl-ip timeout 5 curl -sk --http1.1 https://127.0.0.1:PORT/
  {
    echo "Recorded $(date -u +%Y-%m-%d) by scripts/record-fingerprint-vectors.sh:"
    uname -sr
    openssl version
    gnutls-cli --version | head -1
    curl --version | head -1
    tcpdump --version 2>&1 | head -2
  } > "$OUT/TOOLS.txt"
fi

# tshark's JA3/JA3S of every ClientHello (type 1) and ServerHello (type 2), in frame order.
for f in vectors/tls/*.pcap vectors/tls/*.pcapng "$OUT"/*.pcap; do
  base=$(basename "$f")
  tshark -r "$f" -Y 'tls.handshake.type == 1 || tls.handshake.type == 2' -T fields -E header=y -E separator=/t \
    -E occurrence=a -E aggregator=';' -e frame.number -e tcp.stream -e tls.handshake.type \
    -e tls.handshake.ja3_full -e tls.handshake.ja3 -e tls.handshake.ja3s_full -e tls.handshake.ja3s \
    2>/dev/null > "$OUT/${base%.*}.ja3.tsv"
done
tshark --version | head -1 >> "$OUT/TOOLS.txt"

# JA4 by read-tls-client-hello over each connection's client-to-server TCP payload.
(cd "$W" && npm pack --silent read-tls-client-hello@2.0.0 >/dev/null && tar xzf read-tls-client-hello-2.0.0.tgz)
for f in vectors/tls/*.pcap vectors/tls/*.pcapng "$OUT"/*.pcap; do
  base=$(basename "$f")
  tshark -r "$f" -Y 'tcp.len > 0' -T fields -e tcp.stream -e tcp.srcport -e tcp.dstport -e tcp.payload 2>/dev/null \
    | node scripts/ja4-reference.cjs "$W/package" > "$OUT/${base%.*}.ja4.tsv"
done
echo "read-tls-client-hello 2.0.0 (npm) for JA4" >> "$OUT/TOOLS.txt"
