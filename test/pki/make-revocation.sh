#!/usr/bin/env bash
# make-revocation.sh — OCSP responses, CRLs and name-constrained chains for the test PKI (issue #15).
#
# Provenance: written for tlswire on 2026-12-06; its output is committed in test/pki/out/{ocsp,crl,nc}/.
# Run:  test/pki/make-revocation.sh test/pki/out      (needs bash, coreutils and the openssl CLI; OpenSSL 3.0)
#
# OUTDIR must hold make-pki.sh's output (root-ca, intermediate-ca, server-ecdsa, unknown-ca). Every run
# remakes the three subdirectories (new keys, new serials). Nothing here is secret: test use only.
#
# ocsp/ (all issued by intermediate-ca, ECDSA P-256, leaves valid over server-ecdsa's dates):
#   responder.crt/.key      delegated OCSP responder: EKU OCSPSigning, issued by intermediate-ca
#   revoked.crt/.key        localhost leaf, listed revoked (keyCompromise) in index.txt
#   index.txt               the `openssl ca` database `openssl ocsp -index` reads: server-ecdsa valid,
#                           revoked.crt revoked; every other serial is unknown
#   req-*.der               OCSP requests made by `openssl ocsp -issuer intermediate-ca.crt -cert …`
#                           (good = server-ecdsa, revoked = revoked.crt, unknown = bad-wrongeku.crt) with a
#                           nonce; req-good-nononce.der without
#   resp-*.der              responses made by `openssl ocsp -index index.txt -CA intermediate-ca.crt
#                           -reqin req-*.der -respout …` signed as follows:
#     resp-good-issuer      by intermediate-ca itself, -ndays 7 (nextUpdate = producedAt + 7 days)
#     resp-good-delegated   by responder.crt (included in the response), -ndays 7
#     resp-good-nocerts     by responder.crt, -resp_no_certs (the responder cert is not in the response)
#     resp-good-nonextupdate by intermediate-ca, no -ndays (no nextUpdate)
#     resp-good-nononce     by intermediate-ca, request without nonce
#     resp-revoked          by responder.crt, -ndays 7 (status revoked, reason keyCompromise)
#     resp-unknown          by responder.crt, -ndays 7 (status unknown)
#     resp-wrongsigner      by unknown-ca (not the issuer, no OCSPSigning chain to it), -ndays 7
# crl/:
#   intermediate-ca.crl.pem / .der   `openssl ca -gencrl` by intermediate-ca, -crldays 30, revoking
#                                    ocsp/revoked.crt (keyCompromise); nothing else
#   wrongsigner.crl.pem     the same issuer name but signed by unknown-ca's key (a forged CRL)
#   root-ca.crl.pem         `openssl ca -gencrl` by root-ca, -crldays 30, empty
# nc/ (issued by root-ca; leaves ECDSA P-256 with EKU serverAuth):
#   nc-ca.crt/.key          "Test NC Intermediate": nameConstraints critical permitted DNS:.example.com,
#                           DNS:example.com, IP:192.168.0.0/16, IP:fd00::/8,
#                           dirName:O=Test PKI; excluded DNS:bad.example.com, IP:192.168.66.0/24
#   ok.crt                  O=Test PKI,CN=www.example.com; SAN DNS:www.example.com, IP:192.168.1.1, IP:fd00::1
#   dns-excluded.crt        SAN DNS:bad.example.com
#   dns-outside.crt         SAN DNS:www.example.org
#   ip-excluded.crt         SAN DNS:a.example.com, IP:192.168.66.5
#   ip-outside.crt          SAN DNS:a.example.com, IP:10.1.2.3
#   ip6-outside.crt         SAN DNS:a.example.com, IP:2001:db8::1
#   dn-outside.crt          subject O=Other Org,CN=c.example.com; SAN DNS:c.example.com
#   cn-only.crt             O=Test PKI,CN=www.example.org and no SAN (openssl checks CN as a DNS name)
set -euo pipefail

OPENSSL="${OPENSSL:-openssl}"
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT="$(cd "$1" && pwd)"
cd "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
rm -rf ocsp crl nc
mkdir -p ocsp crl nc

asn1time() { date -u -d "$("$OPENSSL" x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%Y%m%d%H%M%SZ; }
START="$(asn1time server-ecdsa.crt startdate)"
END="$(asn1time server-ecdsa.crt enddate)"
newkey() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat > "$WORK/ext.cnf" <<'CNF'
[ responder ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = OCSPSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = $ENV::SAN
authorityInfoAccess    = OCSP;URI:http://127.0.0.1:8888/ocsp, caIssuers;URI:http://127.0.0.1:8888/ca.crt
crlDistributionPoints  = URI:http://127.0.0.1:8888/intermediate-ca.crl
[ leaf_nosan ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ nc_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
nameConstraints        = critical, @nc
[ nc ]
permitted;DNS.1        = .example.com
permitted;DNS.2        = example.com
permitted;IP.1         = 192.168.0.0/255.255.0.0
permitted;IP.2         = fd00::/ff00::
permitted;dirName.1    = nc_dn
excluded;DNS.1         = bad.example.com
excluded;IP.1          = 192.168.66.0/255.255.255.0
[ nc_dn ]
O = Test PKI
[ ca ]
database        = $ENV::WORK/db/index.txt
new_certs_dir   = $ENV::WORK/db
serial          = $ENV::WORK/db/serial
crlnumber       = $ENV::WORK/db/crlnumber
default_md      = sha256
default_crl_days = 30
rand_serial     = yes
unique_subject  = no
policy          = policy_any
preserve        = yes
[ policy_any ]
organizationName = optional
commonName       = supplied
CNF
export WORK SAN="DNS:localhost"

# issue ISSUER EXT SUBJECT KEY OUT [SAN]
issue() {
  local issuer="$1" ext="$2" subj="$3" key="$4" out="$5"
  export SAN="${6:-DNS:localhost}"
  "$OPENSSL" req -new -key "$key" -subj "$subj" -out "$WORK/req.csr"
  rm -rf "$WORK/db"; mkdir -p "$WORK/db"; : > "$WORK/db/index.txt"
  "$OPENSSL" ca -batch -notext -config "$WORK/ext.cnf" -name ca -cert "$issuer.crt" -keyfile "$issuer.key" \
    -extensions "$ext" -in "$WORK/req.csr" -out "$out" -startdate "$START" -enddate "$END" 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; exit 1; }
}

# --- OCSP -------------------------------------------------------------------------------------------
newkey ocsp/responder.key
issue intermediate-ca responder "/O=Test PKI/CN=Test OCSP Responder" ocsp/responder.key ocsp/responder.crt
newkey ocsp/revoked.key
issue intermediate-ca leaf "/O=Test PKI/CN=localhost" ocsp/revoked.key ocsp/revoked.crt "DNS:localhost,IP:127.0.0.1"

# index.txt: status, expiry, revocation date[,reason], serial, file, subject (tab separated)
EXP="$(date -u -d "$("$OPENSSL" x509 -in server-ecdsa.crt -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)"
serial() { "$OPENSSL" x509 -in "$1" -noout -serial | cut -d= -f2; }
{
  printf 'V\t%s\t\t%s\tunknown\t/O=Test PKI/CN=localhost\n' "$EXP" "$(serial server-ecdsa.crt)"
  printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t/O=Test PKI/CN=localhost\n' "$EXP" "$(date -u -d '-1 day' +%y%m%d%H%M%SZ)" "$(serial ocsp/revoked.crt)"
} > ocsp/index.txt
echo "unique_subject = no" > ocsp/index.txt.attr

"$OPENSSL" ocsp -issuer intermediate-ca.crt -cert server-ecdsa.crt -reqout ocsp/req-good.der >/dev/null
"$OPENSSL" ocsp -issuer intermediate-ca.crt -cert server-ecdsa.crt -no_nonce -reqout ocsp/req-good-nononce.der >/dev/null
"$OPENSSL" ocsp -issuer intermediate-ca.crt -cert ocsp/revoked.crt -reqout ocsp/req-revoked.der >/dev/null
"$OPENSSL" ocsp -issuer intermediate-ca.crt -cert bad-wrongeku.crt -reqout ocsp/req-unknown.der >/dev/null

# respond REQ OUT SIGNER-CRT SIGNER-KEY [extra args]
respond() {
  local req="$1" out="$2" crt="$3" key="$4"; shift 4
  "$OPENSSL" ocsp -index ocsp/index.txt -CA intermediate-ca.crt -rsigner "$crt" -rkey "$key" \
    -reqin "ocsp/$req.der" -respout "ocsp/$out.der" "$@" >/dev/null 2>&1
}
respond req-good resp-good-issuer intermediate-ca.crt intermediate-ca.key -ndays 7
respond req-good resp-good-delegated ocsp/responder.crt ocsp/responder.key -ndays 7
respond req-good resp-good-nocerts ocsp/responder.crt ocsp/responder.key -ndays 7 -resp_no_certs
respond req-good resp-good-nonextupdate intermediate-ca.crt intermediate-ca.key
respond req-good-nononce resp-good-nononce intermediate-ca.crt intermediate-ca.key -ndays 7
respond req-revoked resp-revoked ocsp/responder.crt ocsp/responder.key -ndays 7
respond req-unknown resp-unknown ocsp/responder.crt ocsp/responder.key -ndays 7
respond req-good resp-wrongsigner unknown-ca.crt unknown-ca.key -ndays 7

# --- CRLs --------------------------------------------------------------------------------------------
# gencrl CA-CRT CA-KEY INDEX OUT
gencrl() {
  rm -rf "$WORK/db"; mkdir -p "$WORK/db"; cp "$3" "$WORK/db/index.txt"; echo 01 > "$WORK/db/crlnumber"
  echo "unique_subject = no" > "$WORK/db/index.txt.attr"
  "$OPENSSL" ca -config "$WORK/ext.cnf" -name ca -gencrl -cert "$1" -keyfile "$2" -crldays 30 -out "$4" 2>/dev/null
}
gencrl intermediate-ca.crt intermediate-ca.key ocsp/index.txt crl/intermediate-ca.crl.pem
"$OPENSSL" crl -in crl/intermediate-ca.crl.pem -outform DER -out crl/intermediate-ca.crl.der
: > "$WORK/empty.txt"
gencrl root-ca.crt root-ca.key "$WORK/empty.txt" crl/root-ca.crl.pem
# A CRL naming intermediate-ca as issuer but signed with unknown-ca's key: a self-signed stand-in with
# the intermediate's subject.
"$OPENSSL" req -new -x509 -key unknown-ca.key -subj "/O=Test PKI/CN=Test Intermediate CA" -days 3650 \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$WORK/fake.crt" 2>/dev/null
gencrl "$WORK/fake.crt" unknown-ca.key ocsp/index.txt crl/wrongsigner.crl.pem

# --- Name constraints ------------------------------------------------------------------------------
newkey nc/nc-ca.key
issue root-ca nc_ca "/O=Test PKI/CN=Test NC Intermediate" nc/nc-ca.key nc/nc-ca.crt
newkey nc/leaf.key
nc_leaf() { issue nc/nc-ca leaf "$2" nc/leaf.key "nc/$1.crt" "$3"; }
nc_leaf ok "/O=Test PKI/CN=www.example.com" "DNS:www.example.com,IP:192.168.1.1,IP:fd00::1"
nc_leaf dns-excluded "/O=Test PKI/CN=bad.example.com" "DNS:bad.example.com"
nc_leaf dns-outside "/O=Test PKI/CN=www.example.org" "DNS:www.example.org"
nc_leaf ip-excluded "/O=Test PKI/CN=a.example.com" "DNS:a.example.com,IP:192.168.66.5"
nc_leaf ip-outside "/O=Test PKI/CN=a.example.com" "DNS:a.example.com,IP:10.1.2.3"
nc_leaf ip6-outside "/O=Test PKI/CN=a.example.com" "DNS:a.example.com,IP:2001:db8::1"
nc_leaf dn-outside "/O=Other Org/CN=c.example.com" "DNS:c.example.com"
issue nc/nc-ca leaf_nosan "/O=Test PKI/CN=www.example.org" nc/leaf.key nc/cn-only.crt

# Self-check: what openssl says about each (recorded in the README).
for f in nc/*.crt; do
  [ "$f" = nc/nc-ca.crt ] && continue
  printf '%s: ' "$f"; { "$OPENSSL" verify -CAfile root-ca.crt -untrusted nc/nc-ca.crt "$f" 2>&1 || true; } | grep -v "^error.*verification failed" | tail -1
done
"$OPENSSL" crl -in crl/intermediate-ca.crl.pem -noout -verify -CAfile intermediate-ca.crt 2>&1 || true
