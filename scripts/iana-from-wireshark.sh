#!/usr/bin/env bash
# Write vectors/iana/wireshark-cipher-suites.tsv: the TLS cipher suite names of TShark's value table for
# tls.handshake.ciphersuite (Wireshark's ssl_31_ciphersuite, which uses IANA's names), restricted to the
# ranges IANA's "TLS Cipher Suites" registry assigns (see vectors/iana/README.md for what is left out).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  printf 'value\tname\n'
  tshark -G values 2>/dev/null | awk -F'\t' '
    $1 == "V" && $2 == "tls.handshake.ciphersuite" && $4 ~ /^TLS_/ {
      v = $3 + 0  # decimal: mawk has no hex literals
      if (v >= 96 && v <= 102) next        # IANA: reserved (widely deployed pre-standard EXPORT1024)
      if (v >= 128 && v <= 131) next        # IANA: not assigned (draft GOST R 34.10-94/2001 suites)
      if (v <= 255 || (v >= 4864 && v <= 5119) || v == 22016 || (v >= 49152 && v <= 49333) ||
          (v >= 49408 && v <= 49663) || (v >= 52392 && v <= 52398) || (v >= 53248 && v <= 53503))
        printf "0x%04x\t%s\n", v, $4
    }' | sort -u
} > vectors/iana/wireshark-cipher-suites.tsv
