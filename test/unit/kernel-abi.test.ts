// SPDX-License-Identifier: MIT
// The kernel ABI stays in one place: the codes of src/kernels/wasm/codes.ts equal those of
// assembly/codes.ts (read from source, so neither can drift), no other assembly file compares
// a kind or mode argument with a bare number, and the typed export list matches the module
// (every export declared, every declared export present with its parameter count).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as codes from '../../src/kernels/wasm/codes.js';
import { EXPORT_NAMES, kernelExports, paramCount } from '../../src/kernels/wasm/exports.js';
import { wasmApi, type WasmInstance } from '../../src/kernels/wasm/wasm-api.js';

// dist/test/unit/ -> the package root
const root = new URL('../../../', import.meta.url);

/** NAME -> value of every `export const NAME: i32 = value;` of an assembly file. */
function assemblyCodes(src: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of src.matchAll(/^export const (\w+): i32 = (-?\d+);/gm)) {
    assert.ok(!out.has(m[1]), `assembly/codes.ts defines ${m[1]} twice`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

test('assembly/codes.ts and codes.ts define the same codes with the same values', () => {
  const asm = assemblyCodes(readFileSync(new URL('assembly/codes.ts', root), 'utf8'));
  const ts = new Map<string, number>();
  for (const [name, v] of Object.entries(codes)) if (typeof v === 'number') ts.set(name, v);
  assert.ok(ts.size >= 9, `codes.ts exports ${ts.size} codes`);
  assert.deepEqual([...asm.keys()].sort(), [...ts.keys()].sort(), 'the same names');
  for (const [name, v] of ts) assert.equal(asm.get(name), v, `${name}: assembly vs TypeScript`);
});

test('codes of one family are distinct, and nearest-even has its reserved code', () => {
  for (const prefix of ['KIND_', 'ROUND_']) {
    const vals = Object.entries(codes)
      .filter(([k, v]) => k.startsWith(prefix) && typeof v === 'number')
      .map(([, v]) => v);
    assert.equal(new Set(vals).size, vals.length, `${prefix}* values are distinct`);
  }
  assert.equal(codes.roundCode('nearest-even'), codes.ROUND_NEAREST_EVEN);
  assert.equal(codes.roundCode('stochastic'), codes.ROUND_STOCHASTIC);
  assert.equal(codes.elemKind(new Int16Array(1)), codes.KIND_I16);
  assert.equal(codes.elemKind(new Float64Array(1)), codes.KIND_F64);
});

test('no assembly file but codes.ts compares a kind or mode argument with a bare number', () => {
  const dir = new URL('assembly/', root);
  const bad: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.ts') || f === 'codes.ts') continue;
    const lines = readFileSync(new URL(f, dir), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/\b(kind|\w+Kind|ky|sk|ok|mode|rounding)\s*[!=]==?\s*-?\d/.test(line))
        bad.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(bad, [], 'use the KIND_* / ROUND_* names of assembly/codes.ts');
});

async function loadBuilt(): Promise<WasmInstance> {
  const api = wasmApi();
  assert.ok(api, 'Node has WebAssembly');
  const mod = await api.compile(readFileSync(new URL('build/lowbit.wasm', root)));
  const memory = new api.Memory({ initial: 32, maximum: 65536 });
  return api.instantiate(mod, { env: { memory } });
}

test('every function the module exports is declared in exports.ts, and the reverse', async () => {
  const inst = await loadBuilt();
  const fns = Object.entries(inst.exports)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k)
    .sort();
  assert.deepEqual(fns, [...EXPORT_NAMES].sort());
});

test('the loader rejects an export whose parameter count differs from its declaration', async () => {
  const inst = await loadBuilt();
  const ex = kernelExports(inst);
  assert.equal(typeof ex.gemm_i16_i32acc__dot, 'function');
  assert.equal(paramCount('gemm_i16_i32acc__dot'), 12);
  const stale = { exports: { ...inst.exports, gemm_f32: (m: number, n: number) => m + n } };
  assert.throws(
    () => kernelExports(stale),
    /export "gemm_f32" takes 2 parameters, the ABI declares 13: rebuild it/,
  );
  const { gemm_i16_i32acc__blocked: _, ...rest } = inst.exports;
  assert.throws(
    () => kernelExports({ exports: rest }),
    /no export "gemm_i16_i32acc__blocked": rebuild it with npm run build:wasm/,
  );
});
