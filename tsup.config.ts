/** Build: ESM + CJS with declarations for every public entry point; the CLI as one ESM file. */
import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'bytes/index': 'src/bytes/index.ts',
      'tcp/index': 'src/tcp/index.ts',
      'capture/index': 'src/capture/index.ts',
      'tls/index': 'src/tls/index.ts',
      'crypto/index': 'src/crypto/index.ts',
      'x509/index': 'src/x509/index.ts',
      'handshake/index': 'src/handshake/index.ts',
      'node/index': 'src/node/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    target: 'node20',
  },
  {
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
