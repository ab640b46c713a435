// SPDX-License-Identifier: MIT
// NumPy's .npy format, version 1.0 (numpy.lib.format): the magic string, a little-endian
// header length, a Python-literal header dict {'descr', 'fortran_order', 'shape'} padded so the
// data starts on a 64-byte boundary, then the raw little-endian data. No npm package writes it
// (the ones that exist only read), and it is a few lines.

import { readFileSync, writeFileSync } from 'node:fs';

export type NpyArray =
  Int8Array | Int16Array | Int32Array | Uint8Array | Uint32Array | Float32Array | Float64Array;

const DESCR: [new (n: number) => NpyArray, string][] = [
  [Int8Array, '|i1'],
  [Uint8Array, '|u1'],
  [Int16Array, '<i2'],
  [Int32Array, '<i4'],
  [Uint32Array, '<u4'],
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
];

/** The NumPy dtype string of a typed array, e.g. `<i4`. */
export function npyDescr(a: NpyArray): string {
  for (const [C, d] of DESCR) if (a instanceof C) return d;
  throw new Error('npy: unsupported array type');
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The .npy bytes of `a` with `shape` (C order). */
export function encodeNpy(a: NpyArray, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((p, d) => p * d, 1);
  if (n !== a.length) throw new Error(`npy: shape [${shape}] needs ${n} values, got ${a.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${npyDescr(a)}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + a.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // version 1.0
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform Node runs on (checked in decodeNpy).
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 10 + header.length);
  return out;
}

export function writeNpy(path: string, a: NpyArray, shape: readonly number[]): void {
  writeFileSync(path, encodeNpy(a, shape));
}

export interface Npy {
  readonly data: NpyArray;
  readonly shape: number[];
}

/** Reads an .npy file written by `writeNpy` (or NumPy: version 1.0, C order, these dtypes). */
export function readNpy(path: string): Npy {
  const b = readFileSync(path);
  if (!MAGIC.every((m, i) => b[i] === m)) throw new Error(`${path} is not an .npy file`);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('npy: big-endian host');
  const len = b[8] | (b[9] << 8);
  const header = b.subarray(10, 10 + len).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined || /'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: unsupported .npy header ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s)
    .map(Number);
  const entry = DESCR.find(([, d]) => d === descr);
  if (!entry) throw new Error(`${path}: unsupported dtype ${descr}`);
  const C = entry[0] as unknown as { new (b: ArrayBuffer): NpyArray };
  const start = 10 + len;
  const bytes = b.buffer.slice(b.byteOffset + start, b.byteOffset + b.byteLength);
  return { data: new C(bytes), shape };
}
