#!/usr/bin/env python3
"""tshark-tls-records.py — turn tshark's PDML (stdin) into one TSV row per TLS record and per handshake
message (stdout), in the order tshark dissected them. Used by scripts/record-tls-vectors.sh to write the
expected values vectors/tls/*.tshark.tsv.

Columns: frame, stream, srcport, dstport, kind, then
  kind=record:    content_type (or the opaque_type of a TLS 1.3 encrypted record), version, length
  kind=handshake: type, length, version, random, session_id, cipher_suites, sni, alpn,
                  supported_versions, key_share_groups, extension_types
Lists are comma-separated; an absent value is empty. Values are tshark's `show` text, except random and
session_id, which are tshark's raw hex `value`.
"""
import sys
import xml.etree.ElementTree as ET


def fields(node, name):
    return [f for f in node.iter('field') if f.get('name') == name]


def show(node, name):
    return ','.join(f.get('show', '') for f in fields(node, name))


def first_child(node, name):
    for f in node.findall('field'):
        if f.get('name') == name:
            return f
    return None


HANDSHAKE_COLUMNS = [
    ('tls.handshake.type', 'show'), ('tls.handshake.length', 'show'), ('tls.handshake.version', 'show'),
    ('tls.handshake.random', 'value'), ('tls.handshake.session_id', 'value'),
    ('tls.handshake.ciphersuite', 'show'), ('tls.handshake.extensions_server_name', 'show'),
    ('tls.handshake.extensions_alpn_str', 'show'), ('tls.handshake.extensions.supported_version', 'show'),
    ('tls.handshake.extensions_key_share_group', 'show'), ('tls.handshake.extension.type', 'show'),
]

out = sys.stdout
out.write('\t'.join(['frame', 'stream', 'srcport', 'dstport', 'kind', 'a', 'b', 'c', 'random', 'session_id',
                     'cipher_suites', 'sni', 'alpn', 'supported_versions', 'key_share_groups',
                     'extension_types']) + '\n')
for packet in ET.parse(sys.stdin).getroot().iter('packet'):
    protos = packet.findall('proto')
    frame = show(next(p for p in protos if p.get('name') == 'frame'), 'frame.number')
    tcp = next(p for p in protos if p.get('name') == 'tcp')
    head = [frame, show(tcp, 'tcp.stream'), show(tcp, 'tcp.srcport'), show(tcp, 'tcp.dstport')]
    for tls in (p for p in protos if p.get('name') == 'tls'):
        for record in tls.findall('field'):
            if record.get('name') != 'tls.record':
                continue
            ctype = first_child(record, 'tls.record.content_type')
            if ctype is None:
                ctype = first_child(record, 'tls.record.opaque_type')
            row = head + ['record', ctype.get('show') if ctype is not None else '',
                          first_child(record, 'tls.record.version').get('show'),
                          first_child(record, 'tls.record.length').get('show')]
            out.write('\t'.join(row) + '\n')
            for hs in record.findall('field'):
                if hs.get('name') != 'tls.handshake' or first_child(hs, 'tls.handshake.type') is None:
                    continue
                row = head + ['handshake']
                for name, attr in HANDSHAKE_COLUMNS:
                    row.append(','.join(f.get(attr, '') for f in fields(hs, name)))
                out.write('\t'.join(row) + '\n')
