// SPDX-License-Identifier: MIT
// Import rules of lowbit's source (`npm run lint` runs dependency-cruiser with them): no import
// cycle, and imports flow one way, down these layers (ARCHITECTURE.md draws them). A folder may
// import its own modules and any layer below it, never one above.
/** @type {string[][]} lowest first; folders of one layer may import each other (no cycle) */
const LAYERS = [
  ['format'],
  ['tensor'],
  // The rounding contract, generators and range statistics the kernels implement, and the
  // reference quantize and sum_abs kernels: below the kernels. The rest of quant (quantizers, sites,
  // observers) calls kernels and sits above them.
  ['quant/(rng|rng-jump|lfsr|rounding|stats|quantize|sum-abs)\\.ts'],
  ['kernels'],
  ['quant'],
  ['ops'],
  ['nn'],
  ['models', 'optim', 'data'],
  ['schemes'],
  ['train'],
  ['report', 'export'],
  ['sweep'],
  ['repro'],
  ['cli'],
];
const path = (f) => (f.endsWith('.ts') ? `^src/${f}$` : `^src/${f}/`);
const above = (i) =>
  LAYERS.slice(i + 1)
    .flat()
    .map(path);
// The entry modules (src/*.ts: index, node, builtins, register) sit above everything; the CLI
// is the Node entry and imports register.ts; a worker thread's main module registers too.
const ENTRIES = '^src/[^/]+\\.ts$';
const WORKER_ENTRIES = ['^src/sweep/thread-main\\.ts$', '^src/sweep/load-thread\\.ts$'];
const LOW_QUANT = path(LAYERS[2][0]);

// The top layer (cli) may import every other one, so it has no rule of its own.
const layerRules = LAYERS.slice(0, -1).flatMap((folders, i) =>
  folders.map((f) => ({
    name: `down-from-${f.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`,
    comment: `src/${f} may import only its own layer and those below it (ARCHITECTURE.md)`,
    severity: 'error',
    from: { path: path(f), pathNot: [LOW_QUANT, ...WORKER_ENTRIES].filter((p) => p !== path(f)) },
    to: {
      path: [...above(i), ENTRIES],
      // the low quant modules match `^src/quant/` too, but sit below every layer from theirs up
      ...(i >= 2 ? { pathNot: LOW_QUANT } : {}),
    },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: split the module both sides need, or move it down a layer',
      severity: 'error',
      from: { path: '^(src|test|bench|web)/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'entries-are-not-imported',
      comment:
        'src/*.ts are the package entries; only entries, the CLI, tests, benches and worker threads import them',
      severity: 'error',
      from: { path: '^src/', pathNot: [ENTRIES, '^src/cli/', ...WORKER_ENTRIES] },
      to: { path: ENTRIES },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules)/' },
  },
};
