#!/usr/bin/env bash
# Record the TLS sessions of vectors/decrypt/ with tcpdump on loopback, each with the key log its
# client (or server) wrote, for the decryption tests (test/decrypt/, test/cli/pcap-decrypt.test.ts).
# Peers: openssl s_server/s_client (-keylogfile), gnutls-serv/gnutls-cli (SSLKEYLOGFILE) and tlswire's
# own serve/connect (--keylog). Every session runs on its own port; NAME.pcap + NAME.keylog are written.
# The Decryption Secrets Block capture is made from one of them with `editcap --inject-secrets`.
# Usage (as root, from the repository root): bash vectors/decrypt/capture.sh [OUTDIR]
set -uo pipefail
ROOT=$(pwd)
PKI="$ROOT/test/pki/out"
OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
TMP=$(mktemp -d)
RSA=(-cert "$PKI/server-rsa.crt" -key "$PKI/server-rsa.key")
ECDSA=(-cert "$PKI/server-ecdsa.crt" -key "$PKI/server-ecdsa.key")
TLSWIRE=(node --import tsx "$ROOT/src/cli/main.ts")

# start NAME PORT: tcpdump on lo for PORT into OUT/NAME.pcap
start() {
  NAME=$1; PORT=$2; rm -f "$OUT/$NAME.pcap" "$OUT/$NAME.keylog"
  tcpdump -i lo -U -s 0 -w "$OUT/$NAME.pcap" "tcp port $PORT" 2>/dev/null & TD=$!
  sleep 1
}
stop() { sleep 0.5; kill "$TD"; wait "$TD" 2>/dev/null; }
# client LINES... : print each line after a pause (s_client sends each as one record; k/K = KeyUpdate)
lines() { for l in "$@"; do sleep 0.3; printf '%s\n' "$l"; done; sleep 0.5; }
# (stdin stays open: at end of input s_server closes the connection it serves)
sserver() { sleep 30 | openssl s_server -accept "$PORT" -naccept "${N:-1}" ${MODE--rev} -quiet "$@" >/dev/null 2>&1 & SV=$!; sleep 0.7; }
sclient() { openssl s_client -connect "127.0.0.1:$PORT" -keylogfile "$OUT/$NAME.keylog" -servername localhost "$@" >/dev/null 2>&1; }

# TLS 1.3, plain 1-RTT: openssl, AES-128-GCM, one request and reply each way
start openssl-tls13 47101
sserver "${RSA[@]}" -tls1_3
lines hello world | sclient -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256
wait $SV; stop

# TLS 1.3 with HelloRetryRequest (server wants secp384r1; client shares x25519 first), AES-256-GCM
start openssl-tls13-hrr 47102
sserver "${RSA[@]}" -tls1_3 -groups secp384r1
lines "after a retry" | sclient -tls1_3 -groups X25519:secp384r1 -ciphersuites TLS_AES_256_GCM_SHA384
wait $SV; stop

# TLS 1.3 KeyUpdate: "k" (update_not_requested) then "K" (update_requested) from the client
start openssl-tls13-keyupdate 47103
sserver "${ECDSA[@]}" -tls1_3
lines one k two K three | sclient -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
wait $SV; stop

# TLS 1.3 resumption (PSK with (EC)DHE): two connections, the second resumes the first's ticket
start openssl-tls13-resume 47104
N=2 sserver "${RSA[@]}" -tls1_3
lines first | sclient -tls1_3 -sess_out "$TMP/s13.pem"
lines resumed | sclient -tls1_3 -sess_in "$TMP/s13.pem"
wait $SV; stop

# TLS 1.3 0-RTT accepted: first connection gets a ticket allowing early data, the second sends 0-RTT
# (s_server cannot -rev with -early_data: it only reads)
printf 'early data, 0-RTT\n' >"$TMP/early.txt"
start openssl-tls13-0rtt 47105
N=2 MODE= sserver "${RSA[@]}" -tls1_3 -early_data
lines first | sclient -tls1_3 -sess_out "$TMP/s0.pem"
lines after | sclient -tls1_3 -sess_in "$TMP/s0.pem" -early_data "$TMP/early.txt"
wait $SV; stop

# TLS 1.3 0-RTT rejected: a fresh server (other ticket keys) cannot decrypt the ticket: full
# handshake, the client's early data records are skipped by the server
start openssl-tls13-0rtt-rejected 47106
N=1 MODE= sserver "${RSA[@]}" -tls1_3 -early_data
lines first | sclient -tls1_3 -sess_out "$TMP/s1.pem"
wait $SV
N=1 MODE= sserver "${RSA[@]}" -tls1_3 -early_data
lines after | sclient -tls1_3 -sess_in "$TMP/s1.pem" -early_data "$TMP/early.txt"
wait $SV; stop

# TLS 1.2 ECDHE-RSA AES-128-GCM
start openssl-tls12-gcm 47111
sserver "${RSA[@]}" -tls1_2
lines hello | sclient -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
wait $SV; stop

# TLS 1.2 ECDHE-ECDSA ChaCha20-Poly1305
start openssl-tls12-chacha 47112
sserver "${ECDSA[@]}" -tls1_2
lines hello | sclient -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305
wait $SV; stop

# TLS 1.2 RSA key exchange, AES-128-CBC HMAC-SHA1, encrypt_then_mac (OpenSSL's default)
start openssl-tls12-cbc-rsa-etm 47113
sserver "${RSA[@]}" -tls1_2 -cipher AES128-SHA
lines hello | sclient -tls1_2 -cipher AES128-SHA
wait $SV; stop

# TLS 1.2 RSA key exchange, AES-128-CBC HMAC-SHA1, MAC-then-encrypt (-no_etm)
start openssl-tls12-cbc-rsa-mte 47114
sserver "${RSA[@]}" -tls1_2 -cipher AES128-SHA
lines hello | sclient -tls1_2 -cipher AES128-SHA -no_etm
wait $SV; stop

# TLS 1.2 ECDHE-RSA AES-256-CBC HMAC-SHA384 (PRF SHA-384), MAC-then-encrypt
start openssl-tls12-cbc-sha384 47115
sserver "${RSA[@]}" -tls1_2
lines hello | sclient -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm
wait $SV; stop

# TLS 1.2 resumption by session ID (server without tickets) then by ticket
start openssl-tls12-resume 47116
N=2 sserver "${RSA[@]}" -tls1_2 -no_ticket
lines first | sclient -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -sess_out "$TMP/s12.pem"
lines resumed | sclient -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -sess_in "$TMP/s12.pem"
wait $SV
N=2 sserver "${RSA[@]}" -tls1_2
lines ticket | sclient -tls1_2 -cipher ECDHE-RSA-AES128-SHA256 -sess_out "$TMP/s12t.pem"
lines "ticket resumed" | sclient -tls1_2 -cipher ECDHE-RSA-AES128-SHA256 -sess_in "$TMP/s12t.pem"
wait $SV; stop

# gnutls: TLS 1.3 ChaCha20 and TLS 1.2 AES-256-CBC-SHA1 with EtM, gnutls-serv --echo
start gnutls 47121
gnutls-serv --port "$PORT" --echo --x509certfile "$PKI/server-rsa-chain.pem" --x509keyfile "$PKI/server-rsa.key" >/dev/null 2>&1 & GS=$!
sleep 1.5
lines "gnutls tls13" | SSLKEYLOGFILE="$OUT/$NAME.keylog" timeout 5 gnutls-cli --port "$PORT" 127.0.0.1 --insecure \
  --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305' >/dev/null 2>&1
lines "gnutls tls12 cbc" | SSLKEYLOGFILE="$OUT/$NAME.keylog" timeout 5 gnutls-cli --port "$PORT" 127.0.0.1 --insecure \
  --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-CBC:-MAC-ALL:+SHA1' >/dev/null 2>&1
kill "$GS"; stop

# tlswire serve/connect: TLS 1.3 and TLS 1.2 (ECDHE-ECDSA AES-256-GCM)
start tlswire 47131
"${TLSWIRE[@]}" serve --port "$PORT" --cert "$PKI/server-ecdsa-chain.pem" --key "$PKI/server-ecdsa.key" --echo \
  --keylog "$OUT/$NAME.keylog" >/dev/null 2>&1 & SV=$!
sleep 4
printf 'tlswire 1.3\n' | "${TLSWIRE[@]}" connect "127.0.0.1:$PORT" --tls1.3 --servername localhost --ca "$PKI/ca-chain.pem" >/dev/null 2>&1
printf 'tlswire 1.2\n' | "${TLSWIRE[@]}" connect "127.0.0.1:$PORT" --tls1.2 --servername localhost --ca "$PKI/ca-chain.pem" \
  --ciphers TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 >/dev/null 2>&1
sleep 1; kill "$SV"; stop

# The key log inside the capture: a pcapng Decryption Secrets Block (type 0x0000000A, TLSK)
editcap --inject-secrets "tls,$OUT/openssl-tls13.keylog" "$OUT/openssl-tls13.pcap" "$OUT/openssl-tls13-dsb.pcapng"
rm -rf "$TMP"
ls -l "$OUT"
