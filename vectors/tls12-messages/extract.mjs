// Extract the handshake messages printed by `openssl s_client -msg` into messages.json.
// Usage: node extract.mjs <workdir of capture.sh>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '/tmp/tls12cap';
const out = {};
for (const f of readdirSync(dir).filter((f) => f.endsWith('.client.log')).sort()) {
  const scenario = f.replace('.client.log', '');
  const lines = readFileSync(join(dir, f), 'utf8').split('\n');
  const msgs = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(>>>|<<<) (TLS 1\.[23]), Handshake \[length [0-9a-f]+\], (\w+)/.exec(lines[i]);
    if (!m) continue;
    let hex = '';
    while (i + 1 < lines.length && /^ {4}[0-9a-f]{2}( |$)/.test(lines[i + 1])) hex += lines[++i].replace(/\s+/g, '');
    msgs.push({ from: m[1] === '>>>' ? 'client' : 'server', name: m[3], hex });
  }
  out[scenario] = msgs;
}
writeFileSync('messages.json', `${JSON.stringify(out, null, 1)}\n`);
