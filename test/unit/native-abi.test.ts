// SPDX-License-Identifier: MIT
// The native addon's copy of the kernel ABI codes (native/src/codes.h) defines the same names
// and values as src/kernels/wasm/codes.ts (read from source, so neither can drift).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as codes from '../../src/kernels/wasm/codes.js';

// dist/test/unit/ -> the package root
const root = new URL('../../../', import.meta.url);

test('native/src/codes.h and codes.ts define the same codes with the same values', () => {
  const src = readFileSync(new URL('native/src/codes.h', root), 'utf8');
  const native = new Map<string, number>();
  for (const m of src.matchAll(/^constexpr int (\w+) = (-?\d+);/gm)) {
    assert.ok(!native.has(m[1]), `codes.h defines ${m[1]} twice`);
    native.set(m[1], Number(m[2]));
  }
  const ts = new Map<string, number>();
  for (const [name, v] of Object.entries(codes)) if (typeof v === 'number') ts.set(name, v);
  assert.deepEqual([...native.keys()].sort(), [...ts.keys()].sort(), 'the same names');
  for (const [name, v] of ts) assert.equal(native.get(name), v, `${name}: C++ vs TypeScript`);
});
