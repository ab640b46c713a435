// SPDX-License-Identifier: MIT
// IDX reader: a small valid file of every type round-trips; each malformed file gives an error
// that names the file and says what is wrong.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx, IdxError, type IdxTypeName } from '../../src/data/idx.js';
import { readIdx, readIdxImageSet } from '../../src/data/idx-files.js';

const dir = mkdtempSync(join(tmpdir(), 'lowbit-idx-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | number[]): string {
  const p = join(dir, name);
  writeFileSync(p, Uint8Array.from(bytes));
  return p;
}

/** Asserts fn throws an IdxError whose message contains the file path and every fragment. */
function throwsIdx(fn: () => unknown, file: string, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IdxError, `expected IdxError, got ${String(e)}`);
    assert.ok(e.message.includes(file), `message should name ${file}: ${e.message}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" lacks "${f}"`);
    return true;
  });
}

test('a hand-written 2x3 ubyte file parses to the right dims and values', () => {
  // magic 00 00 08 02, dims 2 and 3 big-endian, then 6 bytes.
  const p = write('ok.idx', [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 255]);
  const a = readIdx(p);
  assert.equal(a.type, 'ubyte');
  assert.deepEqual(a.dims, [2, 3]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual([...a.data], [1, 2, 3, 250, 251, 255]);
});

test('multi-byte types are read big-endian', () => {
  // int16 -2 is ff fe; int32 0x01020304 is 01 02 03 04 (= 16909060).
  const a = readIdx(write('i16.idx', [0, 0, 0x0b, 1, 0, 0, 0, 1, 0xff, 0xfe]));
  assert.deepEqual([...a.data], [-2]);
  const b = readIdx(write('i32.idx', [0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 2, 3, 4]));
  assert.deepEqual([...b.data], [16909060]);
  // float32 1.5 = 0x3fc00000
  const c = readIdx(write('f32.idx', [0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]));
  assert.deepEqual([...c.data], [1.5]);
});

test('encodeIdx round-trips through readIdx for all six types', () => {
  const cases: [IdxTypeName, number[]][] = [
    ['ubyte', [0, 7, 255, 128, 1, 2]],
    ['byte', [-128, -1, 0, 1, 127, 5]],
    ['int16', [-32768, -300, 0, 300, 32767, 9]],
    ['int32', [-2147483648, -70000, 0, 70000, 2147483647, 3]],
    ['float32', [-1.5, 0.25, 0, 3, 1e-3, -7]],
    ['float64', [-1e300, Math.PI, 0, 1 / 3, -0.1, 42]],
  ];
  for (const [t, vals] of cases) {
    const p = write(`rt-${t}.idx`, encodeIdx(t, [3, 2], vals));
    const a = readIdx(p, { type: t, dims: [null, 2] });
    assert.deepEqual(a.dims, [3, 2]);
    const want = t === 'float32' ? [...Float32Array.from(vals)] : vals;
    assert.deepEqual([...a.data], want, t);
  }
});

test('bad magic is reported', () => {
  const p = write('magic.idx', [1, 2, 8, 1, 0, 0, 0, 0]);
  throwsIdx(() => readIdx(p), p, 'bad magic', '0x01 0x02 0x08 0x01');
  const gz = write('gz.idx', [0x1f, 0x8b, 8, 0, 0, 0]);
  throwsIdx(() => readIdx(gz), gz, 'gzip', 'gunzip');
  const tiny = write('tiny.idx', [0, 0]);
  throwsIdx(() => readIdx(tiny), tiny, 'too short');
});

test('unknown type code is reported with the known ones', () => {
  const p = write('type.idx', [0, 0, 0x0a, 1, 0, 0, 0, 1, 0]);
  throwsIdx(() => readIdx(p), p, 'unknown type code 0x0a', '0x08 ubyte');
});

test('truncated header and wrong data size are reported with byte counts', () => {
  const h = write('head.idx', [0, 0, 8, 3, 0, 0, 0, 2, 0, 0]);
  throwsIdx(() => readIdx(h), h, 'truncated header', '16 header bytes', 'has 10');
  // dims 2x3 ubyte need 6 data bytes; give 4.
  const t = write('trunc.idx', [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4]);
  throwsIdx(() => readIdx(t), t, 'expected 6 bytes of data', 'found 4', 'truncated');
  // int32 2x2 need 16 bytes; give 17.
  const x = write('extra.idx', [0, 0, 0x0c, 2, 0, 0, 0, 2, 0, 0, 0, 2, ...new Array(17).fill(0)]);
  throwsIdx(() => readIdx(x), x, 'expected 16 bytes of data', 'found 17', 'trailing');
});

test('dims and type mismatches against what the caller expects are reported', () => {
  const p = write('dims.idx', encodeIdx('ubyte', [2, 3], [1, 2, 3, 4, 5, 6]));
  throwsIdx(
    () => readIdx(p, { dims: [null, 28, 28] }),
    p,
    'dims mismatch',
    'expected Nx28x28',
    'found 2x3',
  );
  throwsIdx(
    () => readIdx(p, { type: 'float32' }),
    p,
    'type mismatch',
    'expected float32',
    'found ubyte',
  );
  const missing = join(dir, 'nope.idx');
  throwsIdx(() => readIdx(missing), missing, 'cannot read');
});

test('images/labels pairs: count mismatch and out-of-range labels are reported', () => {
  const im = write('im.idx', encodeIdx('ubyte', [3, 2, 2], new Array(12).fill(9)));
  const lb2 = write('lb2.idx', encodeIdx('ubyte', [2], [0, 1]));
  throwsIdx(() => readIdxImageSet(im, lb2, 10), lb2, 'count mismatch', '3 images', '2 labels');
  const lbBad = write('lbbad.idx', encodeIdx('ubyte', [3], [0, 10, 1]));
  throwsIdx(() => readIdxImageSet(im, lbBad, 10), lbBad, 'label 10 at index 1', '[0, 10)');
  const lb = write('lb.idx', encodeIdx('ubyte', [3], [0, 9, 4]));
  const s = readIdxImageSet(im, lb, 10);
  assert.equal(s.n, 3);
  assert.equal(s.rows, 2);
  assert.equal(s.cols, 2);
  assert.deepEqual([...s.labels], [0, 9, 4]);
  // Images must be 3-D.
  throwsIdx(() => readIdxImageSet(lb, lb, 10), lb, 'dims mismatch');
});
