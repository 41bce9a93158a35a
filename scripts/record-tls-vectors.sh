#!/usr/bin/env bash
# record-tls-vectors.sh — record the TLS capture vectors in vectors/tls/ from real peers on 127.0.0.1 (and ::1).
#
# Usage: scripts/record-tls-vectors.sh [NAME...]      (default: every capture)
# For each capture NAME it writes vectors/tls/NAME.pcap (or .pcapng), NAME.keylog (the peers' NSS key
# log) and NAME.tshark.tsv (tshark's dissection of the cleartext, made WITHOUT the key log, used by
# test/tls/captures.test.ts as expected values). Needs root (tcpdump on lo), tcpdump, tshark, editcap,
# openssl, gnutls-serv/gnutls-cli, node; the PKI in test/pki/out/. Each capture uses its own port; every
# process started here is stopped by PID and every wait is bounded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/vectors/tls"
PKI="$ROOT/test/pki/out"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"

# wait_for DESCRIPTION COMMAND...: poll up to 5 s for COMMAND to succeed.
wait_for() {
  local what="$1"; shift
  for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done
  echo "record-tls-vectors: timed out waiting for $what" >&2; return 1
}
listening() { ss -ltnH "sport = :$1" | grep -q .; }

# capture NAME PORT SERVER_CMD CLIENT_CMD [CLIENT_CMD2]: tcpdump on lo while the server runs and each
# client command runs to completion; then stop the server and tcpdump.
capture() {
  local name="$1" port="$2" server="$3"; shift 3
  local pcap="$OUT/$name.pcap"
  rm -f "$OUT/$name".*
  tcpdump -i lo --immediate-mode -U -w "$pcap" "tcp port $port" 2>"$TMP/tcpdump.err" &
  local tcpdump_pid=$!
  wait_for "tcpdump" grep -q 'listening on' "$TMP/tcpdump.err"
  sleep 1
  local server_pid=""
  if [ -n "$server" ]; then
    bash -c "$server" >"$TMP/$name.server.out" 2>&1 &
    server_pid=$!
    wait_for "server on port $port" listening "$port"
  fi
  local client
  for client in "$@"; do
    timeout 20 bash -c "$client" >"$TMP/$name.client.out" 2>&1 \
      || { echo "record-tls-vectors: $name: client failed" >&2; cat "$TMP/$name.client.out" >&2; }
  done
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # Let tcpdump write out the last packets (without this, a short exchange can end up with none).
  sleep 1
  kill -INT "$tcpdump_pid"
  wait "$tcpdump_pid" || true
  grep -q "^0 packets captured" "$TMP/tcpdump.err" && { echo "record-tls-vectors: $name: nothing captured" >&2; cat "$TMP/tcpdump.err" "$TMP/$name.client.out" >&2; return 1; }
  dissect "$name" "$port"
}

# dissect NAME PORT: tshark's view of the cleartext (PDML), one TSV row per record and per handshake
# message (scripts/tshark-tls-records.py). No key log and no name resolution, so the output depends only
# on the capture.
dissect() {
  local name="$1" port="$2" file
  file="$(ls "$OUT/$name".pcap* | head -1)"
  tshark -n -r "$file" -d "tcp.port==$port,tls" -o tls.keylog_file: -Y tls -T pdml 2>/dev/null \
    | python3 "$ROOT/scripts/tshark-tls-records.py" >"$OUT/$name.tshark.tsv"
}

O_SRV="openssl s_server -rev -accept 127.0.0.1:PORT -naccept 1 -keylogfile $OUT/NAME.keylog"
O_CLI="openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile $PKI/root-ca.crt -verify_return_error"
# The client sends one line, then waits so that post-handshake messages (tickets) arrive before it closes.
SEND="(printf 'hello\\n'; sleep 0.5) |"
ECDSA="-cert $PKI/server-ecdsa.crt -key $PKI/server-ecdsa.key -cert_chain $PKI/intermediate-ca.crt"
RSA="-cert $PKI/server-rsa.crt -key $PKI/server-rsa.key -cert_chain $PKI/intermediate-rsa-ca.crt"

# sub NAME PORT TEXT: fill in NAME and PORT.
sub() { local t="${3//NAME/$1}"; echo "${t//PORT/$2}"; }

record() {
  local name="$1"
  case "$name" in
    openssl-tls13)
      capture "$name" 44301 "$(sub "$name" 44301 "$O_SRV $ECDSA -tls1_3 -alpn http/1.1")" \
        "$SEND $(sub "$name" 44301 "$O_CLI -tls1_3 -alpn h2,http/1.1")" ;;
    openssl-tls13-hrr)
      # The client's key share is for x25519 only (its first group); the server accepts only P-256.
      capture "$name" 44302 "$(sub "$name" 44302 "$O_SRV $ECDSA -tls1_3 -groups P-256")" \
        "$SEND $(sub "$name" 44302 "$O_CLI -tls1_3 -groups X25519:P-256")" ;;
    openssl-tls12-ecdhe-ecdsa)
      capture "$name" 44303 "$(sub "$name" 44303 "$O_SRV $ECDSA -tls1_2")" \
        "$SEND $(sub "$name" 44303 "$O_CLI -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256")" ;;
    openssl-tls12-ecdhe-rsa)
      capture "$name" 44304 "$(sub "$name" 44304 "$O_SRV $RSA -tls1_2")" \
        "$SEND $(sub "$name" 44304 "$O_CLI -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384")" ;;
    openssl-tls12-rsa)
      capture "$name" 44305 "$(sub "$name" 44305 "$O_SRV $RSA -tls1_2")" \
        "$SEND $(sub "$name" 44305 "$O_CLI -tls1_2 -cipher AES128-GCM-SHA256")" ;;
    openssl-tls12-resume-sessionid)
      # Two connections: a full handshake saving the session, then an abbreviated one (session ID).
      capture "$name" 44306 "$(sub "$name" 44306 "${O_SRV/-naccept 1/-naccept 2} $ECDSA -tls1_2 -no_ticket")" \
        "$SEND $(sub "$name" 44306 "$O_CLI -tls1_2 -no_ticket -sess_out $TMP/sess-id.pem")" \
        "$SEND $(sub "$name" 44306 "$O_CLI -tls1_2 -no_ticket -sess_in $TMP/sess-id.pem")" ;;
    openssl-tls12-resume-ticket)
      capture "$name" 44307 "$(sub "$name" 44307 "${O_SRV/-naccept 1/-naccept 2} $ECDSA -tls1_2")" \
        "$SEND $(sub "$name" 44307 "$O_CLI -tls1_2 -sess_out $TMP/sess-ticket.pem")" \
        "$SEND $(sub "$name" 44307 "$O_CLI -tls1_2 -sess_in $TMP/sess-ticket.pem")" ;;
    openssl-tls12-client-auth)
      capture "$name" 44308 \
        "$(sub "$name" 44308 "$O_SRV $ECDSA -tls1_2 -Verify 2 -verify_return_error -CAfile $PKI/root-ca.crt")" \
        "$SEND $(sub "$name" 44308 "$O_CLI -tls1_2 -cert $PKI/client.crt -key $PKI/client.key -cert_chain $PKI/intermediate-ca.crt")" ;;
    openssl-tls12-fragmented)
      # Records of at most 512 bytes: the RSA Certificate message spans four handshake records.
      capture "$name" 44313 "$(sub "$name" 44313 "$O_SRV $RSA -tls1_2 -max_send_frag 512")" \
        "$SEND $(sub "$name" 44313 "$O_CLI -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256")" ;;
    openssl-tls13-ipv6)
      # Over ::1, so that the IPv6 path of the capture reader sees real traffic.
      capture "$name" 44314 "$(sub "$name" 44314 "${O_SRV/127.0.0.1:PORT/[::1]:PORT} $ECDSA -tls1_3")" \
        "$SEND $(sub "$name" 44314 "${O_CLI/127.0.0.1:PORT/[::1]:PORT} -tls1_3")" ;;
    gnutls-tls13 | gnutls-tls12)
      local port=44309 prio='NORMAL:-VERS-ALL:+VERS-TLS1.3'
      if [ "$name" = gnutls-tls12 ]; then port=44310; prio='NORMAL:-VERS-ALL:+VERS-TLS1.2'; fi
      capture "$name" "$port" \
        "SSLKEYLOGFILE=$OUT/$name.keylog.server gnutls-serv --port $port --echo --priority $prio --x509certfile $PKI/server-ecdsa-chain.pem --x509keyfile $PKI/server-ecdsa.key" \
        "$SEND SSLKEYLOGFILE=$OUT/$name.keylog gnutls-cli --port $port --priority $prio --x509cafile $PKI/root-ca.crt --sni-hostname localhost --verify-hostname localhost --alpn h2 --alpn http/1.1 127.0.0.1"
      rm -f "$OUT/$name.keylog.server" ;;
    node-tls13 | node-tls12)
      local port=44311 ver=TLSv1.3
      if [ "$name" = node-tls12 ]; then port=44312; ver=TLSv1.2; fi
      capture "$name" "$port" "" "node $ROOT/scripts/tls-peers.mjs $port $ver $OUT/$name.keylog"
      # Stored as pcapng (tcpdump writes pcap), so that both capture formats are covered.
      editcap -F pcapng "$OUT/$name.pcap" "$OUT/$name.pcapng"
      rm "$OUT/$name.pcap"
      dissect "$name" "$port" ;;
    *) echo "record-tls-vectors: unknown capture $name" >&2; return 1 ;;
  esac
  echo "record-tls-vectors: $name done"
}

ALL=(openssl-tls13 openssl-tls13-hrr openssl-tls12-ecdhe-ecdsa openssl-tls12-ecdhe-rsa openssl-tls12-rsa
  openssl-tls12-resume-sessionid openssl-tls12-resume-ticket openssl-tls12-client-auth
  openssl-tls12-fragmented openssl-tls13-ipv6 gnutls-tls13 gnutls-tls12 node-tls13 node-tls12)
for n in "${@:-${ALL[@]}}"; do record "$n"; done
