#!/usr/bin/env bash
# Record the failed connections of vectors/diagnosis/ with tcpdump on loopback (127.0.0.1 only), each
# made by openssl / gnutls peers (or a plain TCP / HTTP server) configured to fail one way.
# Usage (as root, from the repository root): bash vectors/diagnosis/capture.sh [OUTDIR]
set -uo pipefail
ROOT=$(pwd)
PKI="$ROOT/test/pki/out"
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "${1:-$HERE}" && pwd)
RSA=(-cert "$PKI/server-rsa.crt" -key "$PKI/server-rsa.key" -cert_chain "$PKI/server-rsa-chain.pem")

start() {
  NAME=$1; PORT=$2; rm -f "$OUT/$NAME.pcap"
  tcpdump -i lo -U -s 0 -w "$OUT/$NAME.pcap" "tcp port $PORT" 2>/dev/null & TD=$!
  sleep 1
}
stop() { sleep 0.5; kill "$TD"; wait "$TD" 2>/dev/null; echo "$NAME: $(tcpdump -r "$OUT/$NAME.pcap" 2>/dev/null | wc -l) frames"; }
sserver() { sleep 5 | openssl s_server -accept "$PORT" -naccept 1 -quiet "$@" >/dev/null 2>&1 & SV=$!; sleep 0.7; }
sclient() { echo hello | timeout 5 openssl s_client -connect "127.0.0.1:$PORT" "$@" >/dev/null 2>&1; }

# No common cipher suite: the client offers only NULL and anonymous suites (TLS 1.2); the server
# (RSA certificate, default suites) answers the ClientHello with handshake_failure.
start no-common-cipher 47301
sserver "${RSA[@]}"
sclient -tls1_2 -cipher 'aNULL:eNULL:@SECLEVEL=0' -servername localhost
kill $SV 2>/dev/null; stop

# No common version: the client offers TLS 1.0 at most; the server speaks TLS 1.2 and 1.3 only.
start no-common-version 47302
sserver "${RSA[@]}" -min_protocol TLSv1.2
sclient -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -servername localhost
kill $SV 2>/dev/null; stop

# Unknown CA (TLS 1.2, so the certificate and the alert are in the clear): the client trusts only
# another root and rejects the server's chain with unknown_ca.
start unknown-ca 47303
sserver "${RSA[@]}"
sclient -tls1_2 -CAfile "$PKI/unknown-ca.crt" -verify_return_error -servername localhost
kill $SV 2>/dev/null; stop

# Wrong server name: the server knows only "localhost" and refuses other names (unrecognized_name).
start wrong-sni 47304
sserver "${RSA[@]}" -cert2 "$PKI/server-ecdsa.crt" -key2 "$PKI/server-ecdsa.key" -servername localhost -servername_fatal
sclient -servername wrong.example
kill $SV 2>/dev/null; stop

# Name mismatch seen by the client (TLS 1.2): gnutls-cli checks the certificate against the name it
# asked for and gives up with an alert.
start wrong-name 47305
sserver "${RSA[@]}"
echo hello | timeout 5 gnutls-cli --x509cafile "$PKI/root-ca.crt" --sni-hostname wrong.example \
  --verify-hostname wrong.example --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' -p "$PORT" 127.0.0.1 >/dev/null 2>&1
kill $SV 2>/dev/null; stop

# RST right after the ClientHello: a plain TCP server that reads and closes with SO_LINGER 0.
start rst-after-hello 47306
python3 - "$PORT" <<'PY' & SV=$!
import socket, struct, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); c.recv(65536)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()
PY
sleep 0.7; sclient -servername localhost; wait $SV; stop

# A plaintext HTTP server on the port: it answers the ClientHello with an HTTP error.
start plaintext-http 47307
python3 - "$PORT" <<'PY' & SV=$!
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); c.recv(65536)
c.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nBad Request\n')
c.close()
PY
sleep 0.7; sclient -servername localhost; wait $SV; stop

# Refused: nothing listens on the port, the SYN is answered with RST.
start refused 47308
sclient -servername localhost; sleep 1; stop

# A connection that works (TLS 1.3, openssl), for the summary.
start ok-tls13 47309
sserver "${RSA[@]}" -alpn h2,http/1.1
sclient -servername localhost -alpn h2 -CAfile "$PKI/root-ca.crt"
kill $SV 2>/dev/null; stop

# TLS 1.3 unknown CA: the client's unknown_ca alert is encrypted (RFC 8446 §5); its key log is kept
# (unknown-ca-tls13.keylog) to read it.
start unknown-ca-tls13 47310
sserver "${RSA[@]}"
sclient -tls1_3 -CAfile "$PKI/unknown-ca.crt" -verify_return_error -servername localhost \
  -keylogfile "$OUT/unknown-ca-tls13.keylog"
kill $SV 2>/dev/null; stop

# SYN never answered: in a private namespace, the SYN goes out a veth whose other end has no address
# (static neighbour entry, no ARP); the client gives up after 3.5 s (SYN + 2 retransmissions).
NAME=syn-unanswered; rm -f "$OUT/$NAME.pcap"
ip netns del tw-syn 2>/dev/null; ip netns add tw-syn
ip -n tw-syn link set lo up
ip -n tw-syn link add v0 type veth peer name v1
ip -n tw-syn addr add 10.98.0.1/24 dev v0
ip -n tw-syn link set v0 up; ip -n tw-syn link set v1 up
ip -n tw-syn neigh add 10.98.0.2 lladdr 02:00:00:00:00:02 dev v0
ip netns exec tw-syn tcpdump -i v0 -U -s 0 -w "$OUT/$NAME.pcap" "tcp port 47311" 2>/dev/null & TD=$!
sleep 1
ip netns exec tw-syn python3 -c "
import socket; s = socket.socket(); s.settimeout(3.5)
try: s.connect(('10.98.0.2', 47311))
except OSError: pass"
stop; ip netns del tw-syn

# TLS 1.3 client certificate required (s_server -Verify 1), none sent: the server's
# certificate_required alert is encrypted; the client's key log (client-cert-required.keylog) reads it.
start client-cert-required 47312
sserver "${RSA[@]}" -Verify 1 -CAfile "$PKI/root-ca.crt"
sclient -tls1_3 -servername localhost -keylogfile "$OUT/client-cert-required.keylog"
kill $SV 2>/dev/null; stop
