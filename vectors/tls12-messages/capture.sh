#!/usr/bin/env bash
# Capture TLS 1.2 handshake messages from OpenSSL (s_server <-> s_client on 127.0.0.1) with -msg.
# Usage: bash capture.sh <workdir>   (keys/certs are throwaway and generated into <workdir>)
set -euo pipefail
W=${1:-/tmp/tls12cap}
mkdir -p "$W"; cd "$W"
PORT=${PORT:-44330}

# Throwaway CA, leaf certs (P-256 and RSA-2048) and a client cert.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 -subj '/CN=tlswire test CA' 2>/dev/null
for kind in ec rsa client; do
  if [ "$kind" = rsa ] || [ "$kind" = client ]; then opt=(-newkey rsa:2048); else opt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
  openssl req -new "${opt[@]}" -nodes -keyout $kind.key -out $kind.csr -subj "/CN=$kind.tlswire.test" 2>/dev/null
  openssl x509 -req -in $kind.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $kind.pem -days 3650 2>/dev/null
done
# An OCSP response for the EC leaf (for CertificateStatus, RFC 6066 §8).
: > index.txt
serial=$(openssl x509 -in ec.pem -noout -serial | cut -d= -f2)
printf 'V\t351231000000Z\t\t%s\tunknown\t/CN=ec.tlswire.test\n' "$serial" > index.txt
openssl ocsp -index index.txt -rsigner ca.pem -rkey ca.key -CA ca.pem -issuer ca.pem -cert ec.pem -respout ocsp.der -ndays 3650 >/dev/null 2>&1 || true

run() { # name, server args..., -- client args...
  local name=$1; shift
  local sargs=() cargs=()
  while [ "$1" != -- ]; do sargs+=("$1"); shift; done; shift
  cargs=("$@")
  PORT=$((PORT+1))
  openssl s_server -accept 127.0.0.1:$PORT ${VERS:--tls1_2} -msg -naccept 1 "${sargs[@]}" < <(sleep 4) > $name.server.log 2>&1 &
  local spid=$!
  sleep 0.5
  (sleep 1; echo Q) | timeout 10 openssl s_client -connect 127.0.0.1:$PORT ${VERS:--tls1_2} -msg -servername localhost "${cargs[@]}" > $name.client.log 2>&1 || true
  sleep 0.3
  kill $spid 2>/dev/null || true
  wait $spid 2>/dev/null || true
}

run ecdhe-ecdsa -cert ec.pem -key ec.key -cipher ECDHE-ECDSA-AES128-GCM-SHA256 -status_file ocsp.der -- -status
run ecdhe-rsa -cert rsa.pem -key rsa.key -cipher ECDHE-RSA-AES128-GCM-SHA256 -Verify 1 -CAfile ca.pem -- -cert client.pem -key client.key
run rsa -cert rsa.pem -key rsa.key -cipher AES128-GCM-SHA256 -- -cipher AES128-GCM-SHA256
run dhe-rsa -cert rsa.pem -key rsa.key -cipher DHE-RSA-AES128-GCM-SHA256 -- -cipher DHE-RSA-AES128-GCM-SHA256
# TLS 1.3 with client authentication and OCSP stapling (CertificateRequest, CertificateEntry status_request).
VERS=-tls1_3 run tls13-ecdsa -cert ec.pem -key ec.key -status_file ocsp.der -Verify 1 -CAfile ca.pem -- -status -cert client.pem -key client.key
