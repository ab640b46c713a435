// SPDX-License-Identifier: MIT
// Fixed-point sigmoid, tanh and exp(-x) (tables + interpolation), the LSTM step's gates and
// attention's softmax against the float functions, within their stated bounds; the tables
// in the WASM source and in the reference are the same numbers, and the numbers they define.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixedExpNeg, fixedSigmoid, fixedTanh } from '../../src/kernels/ref/fixed-functions.js';
import * as tables from '../../src/kernels/ref/fixed-tables.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sig = (x: number) => 1 / (1 + Math.exp(-x));

test('the function tables: same numbers in assembly/, src/ and native/, round(f(k/64) 2^20)', () => {
  const as = readFileSync(`${root}assembly/fixed_tables.ts`, 'utf8');
  const cc = readFileSync(`${root}native/src/fixed-tables.h`, 'utf8');
  const defs: [keyof typeof tables, (x: number) => number, number][] = [
    ['SIGMOID_Q20', sig, 1024],
    ['TANH_Q20', Math.tanh, 512],
    ['EXPNEG_Q20', (x) => Math.exp(-x), 768],
  ];
  for (const [name, f, n] of defs) {
    const m = new RegExp(`${name}: usize = memory\\.data<i32>\\(\\[([^\\]]*)\\]`).exec(as);
    assert.ok(m, `${name} in assembly/fixed_tables.ts`);
    const wasm = m[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
    assert.deepEqual(wasm, Array.from(tables[name]), name);
    const c = new RegExp(`int32_t ${name}\\[(\\d+)\\] = \\{([^}]*)\\}`).exec(cc);
    assert.ok(c, `${name} in native/src/fixed-tables.h`);
    assert.equal(Number(c[1]), n + 1, `${name}'s length in native/src/fixed-tables.h`);
    const native = c[2]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
    assert.deepEqual(native, wasm, `${name} in native/src/fixed-tables.h`);
    assert.equal(wasm.length, n + 1);
    wasm.forEach((v, k) => assert.equal(v, Math.round(f(k / 64) * 2 ** 20), `${name}[${k}]`));
  }
});

test('fixed sigmoid, tanh, exp(-x): every Q.12 input within 2^-14 of the function', () => {
  const bound = 2 ** -14;
  let worst = [0, 0, 0];
  for (let z = -(2 ** 17); z <= 2 ** 17; z++) {
    const x = z / 4096;
    const es = Math.abs(fixedSigmoid(z) / 32768 - sig(x));
    const et = Math.abs(fixedTanh(z) / 32768 - Math.tanh(x));
    worst = [Math.max(worst[0], es), Math.max(worst[1], et), worst[2]];
    if (z >= 0) worst[2] = Math.max(worst[2], Math.abs(fixedExpNeg(z) / 32768 - Math.exp(-x)));
  }
  assert.ok(
    worst.every((w) => w <= bound),
    `worst errors ${worst.map((w) => w.toExponential(2))}`,
  );
  // symmetry, and the ends
  assert.equal(fixedSigmoid(0), 16384);
  assert.equal(fixedTanh(0), 0);
  assert.equal(fixedExpNeg(0), 32768);
  for (const z of [1, 77, 4095, 60000]) {
    assert.equal(fixedSigmoid(-z), 32768 - fixedSigmoid(z));
    assert.equal(fixedTanh(-z), -fixedTanh(z));
  }
});

test('the fixed-point LSTM step: gates, cell and output within the stated bounds of float', () => {
  const rng = makeRng(9);
  const [N, H] = [16, 32];
  const G = 4 * H;
  const ex = -10;
  const eh = -13;
  const gx = Int32Array.from({ length: N * G }, () => Math.round(randNormal(rng) * 2 ** 11));
  const gh = Int32Array.from({ length: N * G }, () => Math.round(randNormal(rng) * 2 ** 14));
  const bias = Float32Array.from({ length: G }, () => randNormal(rng) * 0.5);
  const b12 = Int32Array.from(bias, (b) => Math.floor(b * 4096 + 0.5));
  const hPrev = new Int16Array(N * H);
  const cPrev = Int32Array.from({ length: N * H }, () => Math.round(randNormal(rng) * 2 ** 15));
  const act = new Int16Array(N * G);
  const tc = new Int16Array(N * H);
  const h = new Int16Array(N * H);
  const c = new Int32Array(N * H);
  const s = { N, H, t: 0, lens: null };
  refKernels.lstm_fwd_fixed(s, gx, ex + 12, gh, eh + 12, b12, hPrev, cPrev, act, tc, h, c);
  const q = 2 ** -15;
  const dz = 1.5 * 2 ** -12; // two rounded GEMM terms and the rounded bias
  for (let n = 0; n < N; n++)
    for (let j = 0; j < H; j++) {
      const z = (k: number) => {
        const o = n * G + k * H + j;
        return gx[o] * 2 ** ex + gh[o] * 2 ** eh + bias[k * H + j];
      };
      const a = n * G + j;
      for (const k of [0, 1, 3]) {
        const e = Math.abs(act[a + k * H] * q - sig(z(k)));
        assert.ok(e <= dz / 4 + 2 ** -14, `gate ${k} n=${n} j=${j}: error ${e}`);
      }
      const eg = Math.abs(act[a + 2 * H] * q - Math.tanh(z(2)));
      assert.ok(eg <= dz + 2 ** -14, `g n=${n} j=${j}: error ${eg}`);
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => act[a + k * H] * q);
      const r = n * H + j;
      const cf = f * cPrev[r] * q + i * g;
      assert.ok(Math.abs(c[r] * q - cf) <= 2 ** -16, `c n=${n} j=${j}`);
      const hf = o * Math.tanh(c[r] * q);
      assert.ok(Math.abs(h[r] * q - hf) <= 2 ** -12, `h n=${n} j=${j}: ${h[r] * q} vs ${hf}`);
    }
});

test('the fixed-point softmax: rows sum to 1 within 2^-10, each p within 2^-12 of float', () => {
  const rng = makeRng(4);
  const [rows, cols, valid] = [20, 13, 11];
  const es = -9;
  const scale = 1 / Math.sqrt(32);
  const scores = Int32Array.from({ length: rows * cols }, () =>
    Math.round(randNormal(rng) * 2 ** 11),
  );
  const p = new Int16Array(rows * cols);
  refKernels.softmax_fixed(scores, rows, cols, valid, 2 ** (es + 12) * scale, p);
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: valid }, (_, s) => scores[r * cols + s] * 2 ** es * scale);
    const mx = Math.max(...x);
    const e = x.map((v) => Math.exp(v - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    let tot = 0;
    for (let s = 0; s < cols; s++) {
      const got = p[r * cols + s] / 32768;
      tot += got;
      const want = s < valid ? e[s] / sum : 0;
      assert.ok(Math.abs(got - want) <= 2 ** -12, `row ${r} col ${s}: ${got} vs ${want}`);
    }
    assert.ok(Math.abs(tot - 1) <= 2 ** -10, `row ${r} sums to ${tot}`);
  }
});
