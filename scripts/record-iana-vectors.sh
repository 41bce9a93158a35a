#!/usr/bin/env bash
# Write the generated registry copies of vectors/iana/ (README.md there says what each is):
# - wireshark-cipher-suites.tsv: TShark's value table for tls.handshake.ciphersuite (Wireshark's
#   ssl_31_ciphersuite, which uses IANA's names), restricted to the ranges IANA's "TLS Cipher Suites"
#   registry assigns;
# - wireshark-extension-types.tsv: the same for tls.handshake.extension.type, IANA's range 0-65535 less
#   the values Wireshark names but IANA does not assign (GREASE, "Reserved", drafts above 0xff01 etc.);
# - rfc8446-appendix-b.txt: the enums of RFC 8446 Appendix B, verbatim.
# Usage: bash scripts/record-iana-vectors.sh [path/to/rfc8446.txt]   (default: ../shared/rfc/rfc8446.txt)
set -euo pipefail
RFC=$(realpath "${1:-$(dirname "$0")/../../shared/rfc/rfc8446.txt}")
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

{
  printf 'value\tname\n'
  tshark -G values 2>/dev/null | awk -F'\t' '
    $1 == "V" && $2 == "tls.handshake.extension.type" && $4 !~ /^Reserved/ {
      v = $3 + 0
      # IANA assigns 0-62 and, above, only 64768 (0xfd00), 65037 (0xfe0d), 65281 (0xff01).
      if (v <= 62 || v == 64768 || v == 65037 || v == 65281) printf "%d\t%s\n", v, $4
    }' | sort -n -u
} > vectors/iana/wireshark-extension-types.tsv

{
  echo "# RFC 8446 (August 2018), Appendix B, verbatim excerpts of rfc8446.txt (SHA-256"
  echo "# $(sha256sum "$RFC" | cut -d' ' -f1)): lines 6793-6801 (ContentType), 6841-6879 (AlertLevel,"
  echo "# AlertDescription), 6897-6919 (HandshakeType), 7012-7040 (ExtensionType), 7073 (PskKeyExchangeMode),"
  echo "# 7177-7219 (SignatureScheme). Made by scripts/record-iana-vectors.sh."
  for r in 6793,6801 6841,6879 6897,6919 7012,7040 7073,7073 7177,7219; do sed -n "${r}p" "$RFC"; done
} > vectors/iana/rfc8446-appendix-b.txt
