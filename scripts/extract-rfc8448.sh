#!/usr/bin/env bash
# extract-rfc8448.sh — copy RFC 8448 §2–§7 verbatim into vectors/rfc8448/, one file per section,
# each behind a '#' provenance header (test/support/rfc8448.ts skips '#' lines).
#
# Usage: scripts/extract-rfc8448.sh [PATH/TO/rfc8448.txt]   (default: /work/shared/rfc/rfc8448.txt)
# The source must be the RFC Editor's plain text (SHA-256 below); section boundaries are found by
# their headings, and every line from a section heading up to the next heading is copied unchanged
# (page footers, form feeds and page headers included).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${1:-/work/shared/rfc/rfc8448.txt}"
OUT="$HERE/../vectors/rfc8448"
WANT_SHA=6564d1376d1ec744fc7a9993da15ebc1b9be361908b166091f47ef605c537fba

got="$(sha256sum "$SRC" | cut -d' ' -f1)"
[ "$got" = "$WANT_SHA" ] || { echo "extract-rfc8448: $SRC has SHA-256 $got, expected $WANT_SHA" >&2; exit 1; }
mkdir -p "$OUT"

line_of() { grep -n -x -F "$1" "$SRC" | head -1 | cut -d: -f1; }

sections=(
  "2|2.  Private Keys|3.  Simple 1-RTT Handshake|2-private-keys.txt|Private Keys"
  "3|3.  Simple 1-RTT Handshake|4.  Resumed 0-RTT Handshake|3-simple-1rtt.txt|Simple 1-RTT Handshake"
  "4|4.  Resumed 0-RTT Handshake|5.  HelloRetryRequest|4-resumed-0rtt.txt|Resumed 0-RTT Handshake"
  "5|5.  HelloRetryRequest|6.  Client Authentication|5-hello-retry-request.txt|HelloRetryRequest"
  "6|6.  Client Authentication|7.  Compatibility Mode|6-client-auth.txt|Client Authentication"
  "7|7.  Compatibility Mode|8.  Security Considerations|7-compat-mode.txt|Compatibility Mode"
)

for s in "${sections[@]}"; do
  IFS='|' read -r num head next file title <<<"$s"
  from="$(line_of "$head")"
  to="$(( $(line_of "$next") - 1 ))"
  {
    echo "# RFC 8448 (Example Handshake Traces for TLS 1.3, M. Thomson, January 2019), Section $num: $title."
    echo "# Lines $from-$to of rfc8448.txt, copied verbatim below this header (page footers, form feeds and"
    echo "# page headers included; test/support/rfc8448.ts strips them)."
    echo "# Source: the RFC Editor's https://www.rfc-editor.org/rfc/rfc8448.txt, SHA-256 $WANT_SHA,"
    echo "# taken byte for byte from aws/s2n-tls @ 8cbf81ad74968a1d03efbd9352a89abd292232d4,"
    echo "# compliance/specs/www.rfc-editor.org/rfc/rfc8448.txt (a Duvet copy of the RFC Editor's file;"
    echo "# independently re-derived from Takashiidobe/ietf-rfcs src/8448.md: byte-identical)."
    echo "# Made by scripts/extract-rfc8448.sh."
    echo
    sed -n "${from},${to}p" "$SRC"
  } >"$OUT/$file"
  echo "extract-rfc8448: $file = lines $from-$to"
done
