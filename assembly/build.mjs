// SPDX-License-Identifier: MIT
// Compiles the AssemblyScript kernels to build/lowbit.wasm (memory imported, not shared) and
// build/lowbit-mt.wasm (shared memory, for worker threads). SIMD128 on, relaxed SIMD off.
// LOWBIT_WASM_NAMES=1 keeps function names in the binaries (for CPU profiles; same code).
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'build'), { recursive: true });

const common = [
  join(root, 'assembly/index.ts'),
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--disable',
  'relaxed-simd',
  '--importMemory',
  '--initialMemory',
  '2',
  '--maximumMemory',
  '65536',
  '--use',
  'abort=',
  ...(process.env.LOWBIT_WASM_NAMES === '1' ? ['--debug'] : []),
];
const targets = [
  ['lowbit.wasm', []],
  ['lowbit-mt.wasm', ['--enable', 'threads', '--sharedMemory']],
];
for (const [name, extra] of targets) {
  const { error, stderr } = await asc.main([...common, ...extra, '-o', join(root, 'build', name)]);
  if (error) {
    console.error(stderr.toString());
    console.error(`assembly/build.mjs: compiling ${name} failed: ${error.message}`);
    process.exit(1);
  }
}
