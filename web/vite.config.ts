// SPDX-License-Identifier: MIT
// Builds the on-device training page into build/web (run by `npm run build:web`, part of
// `npm run build` and so of `npm install`). The page imports lowbit's compiled browser entry;
// the wasm modules and the GEMM worker it references come out as separate files.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: { alias: [{ find: /^lowbit$/, replacement: here('../dist/src/index.js') }] },
  worker: { format: 'es' },
  build: {
    outDir: here('../build/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Emit the .wasm files as files (streamed, cached) rather than inline base64.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    reportCompressedSize: false,
    // Timing notes are noise on a loaded machine; warnings still print.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
