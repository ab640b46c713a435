// Number formats: ranges, steps, names, exponent choice, parsing and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dynamicExponent,
  dynamicFixed,
  fixed,
  float32,
  parseFormat,
  qmax,
} from '../../src/format/format.js';

test('fixed<8,4>: range and step', () => {
  const f = fixed(8, 4);
  assert.equal(f.name, 'fixed<8,4>');
  assert.equal(f.step, 1 / 16);
  assert.equal(f.min, -128 / 16);
  assert.equal(f.max, 127 / 16);
  assert.equal(f.exp, -4);
});

test('fixed with zero and negative fraction bits', () => {
  const z = fixed(4, 0);
  assert.deepEqual([z.min, z.max, z.step], [-8, 7, 1]);
  const n = fixed(4, -2);
  assert.deepEqual([n.min, n.max, n.step], [-32, 28, 4]);
  assert.equal(n.name, 'fixed<4,-2>');
});

test('dfp<8>: range and step as functions of the exponent', () => {
  const d = dynamicFixed(8);
  assert.equal(d.name, 'dfp<8>');
  assert.equal(d.step(-3), 1 / 8);
  assert.equal(d.max(-3), 127 / 8);
  assert.equal(d.min(2), -128 * 4);
});

test('formats are immutable values with a kind', () => {
  const f = fixed(8, 4);
  assert.throws(() => {
    (f as { bits: number }).bits = 3;
  });
  assert.equal(float32.kind, 'float32');
  assert.equal(dynamicFixed(8).kind, 'dfp');
});

test('bit-widths out of 2..32 are rejected with a clear message', () => {
  assert.throws(() => fixed(1, 0), /bit-width 1 is out of range: use a whole number from 2 to 32/);
  assert.throws(() => dynamicFixed(33), /out of range/);
  assert.throws(() => fixed(8.5, 0), /out of range/);
});

test('dynamic exponent: nothing saturates and the step is as small as possible', () => {
  for (const bits of [2, 4, 8, 12, 16, 24]) {
    for (const m of [1e-9, 0.001, 0.3, 1, 1.5, 127, 128, 1000, 12345.678, 2 ** 20]) {
      const e = dynamicExponent(m, bits);
      assert.ok(qmax(bits) * 2 ** e >= m, `bits ${bits} max ${m}: exp ${e} saturates`);
      assert.ok(qmax(bits) * 2 ** (e - 1) < m, `bits ${bits} max ${m}: exp ${e - 1} also fits`);
    }
  }
  assert.equal(dynamicExponent(127, 8), 0);
  assert.equal(dynamicExponent(127.5, 8), 1);
  assert.equal(dynamicExponent(1, 8), -6); // 127/64 >= 1 > 127/128
});

test('parseFormat reads canonical names back; bad names explain the syntax', () => {
  assert.equal(parseFormat('fixed<8,4>').name, 'fixed<8,4>');
  assert.equal(parseFormat('dfp<16>').name, 'dfp<16>');
  assert.equal(parseFormat('float32'), float32);
  assert.throws(
    () => parseFormat('int8'),
    /unknown number format "int8": write float32, fixed<bits,frac>/,
  );
  assert.throws(() => parseFormat('dfp<40>'), /out of range/);
});
