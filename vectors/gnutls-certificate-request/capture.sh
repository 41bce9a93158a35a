#!/usr/bin/env bash
# Capture the TLS 1.3 CertificateRequest that gnutls-serv sends (with its empty status_request,
# RFC 8446 §4.4.2.1) and extract its exact bytes with TShark, from the key log the client writes.
# Usage (as root, from the repository root): bash vectors/gnutls-certificate-request/capture.sh [workdir]
# Writes WORKDIR/certificate-request.pcap, WORKDIR/certificate-request.keylog and prints the
# hex of the CertificateRequest handshake message (header + body) on stdout.
set -euo pipefail
PKI=$(cd "$(dirname "$0")/../../test/pki/out" && pwd)
W=${1:-/tmp/gnutls-cr}
P=${PORT:-45871}
PRIO='NORMAL:-VERS-ALL:+VERS-TLS1.3'
mkdir -p "$W"; cd "$W"; rm -f certificate-request.pcap certificate-request.keylog
tcpdump -i lo -U -w certificate-request.pcap "tcp port $P" 2>/dev/null & TD=$!
sleep 1
gnutls-serv --port "$P" --echo --x509certfile "$PKI/server-ecdsa-chain.pem" --x509keyfile "$PKI/server-ecdsa.key" \
  --require-client-cert --priority "$PRIO" >/dev/null 2>&1 & GS=$!
sleep 1.5
echo hello | SSLKEYLOGFILE="$W/certificate-request.keylog" timeout 5 gnutls-cli --port "$P" 127.0.0.1 \
  --sni-hostname localhost --x509cafile "$PKI/ca-chain.pem" --x509certfile "$PKI/client-chain.pem" \
  --x509keyfile "$PKI/client.key" --priority "$PRIO" >/dev/null 2>&1
sleep 1; kill "$GS" "$TD"; wait "$TD" 2>/dev/null || true
# tls.handshake_raw of the decrypted message of type 13 (certificate_request).
tshark -n -r certificate-request.pcap -d "tcp.port==$P,tls" -o "tls.keylog_file:$W/certificate-request.keylog" \
  -Y 'tls.handshake.type == 13' -T json -x 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{for(const m of s.matchAll(/"tls\.handshake_raw": \[\s*"([0-9a-f]+)"/g))if(m[1].startsWith("0d"))console.log(m[1])})'
