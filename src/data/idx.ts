// SPDX-License-Identifier: MIT
// Reader for the IDX format (LeCun's MNIST files): 4-byte magic [0, 0, type, ndims], ndims
// big-endian uint32 dimensions, then the values big-endian, row-major. Works on bytes in
// memory (browser-safe); idx-files.ts reads files in Node.

/** IDX type codes and the storage each is read into. */
export const IDX_TYPES = {
  0x08: 'ubyte',
  0x09: 'byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
} as const;

export type IdxTypeName = (typeof IDX_TYPES)[keyof typeof IDX_TYPES];
export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

const BYTES: Record<IdxTypeName, number> = {
  ubyte: 1,
  byte: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

export interface IdxArray {
  readonly type: IdxTypeName;
  readonly dims: readonly number[];
  /** prod(dims) values in native byte order. */
  readonly data: IdxData;
}

/** A malformed IDX file or an inconsistent images/labels pair; the message names the file. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    what: string,
  ) {
    super(`${file}: ${what}`);
    this.name = 'IdxError';
  }
}

function hex(b: number): string {
  return '0x' + b.toString(16).padStart(2, '0');
}

/**
 * Parses an IDX file held in memory. `file` only names it in error messages.
 * Throws IdxError on a bad magic, an unknown type code, a truncated header, or a data section
 * whose size differs from prod(dims) * element size.
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>'): IdxArray {
  if (bytes.length < 4) {
    throw new IdxError(file, `file is ${bytes.length} bytes, too short for the 4-byte IDX magic`);
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new IdxError(file, 'bad magic: this is a gzip file; gunzip it first (IDX is read raw)');
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const got = [...bytes.subarray(0, 4)].map(hex).join(' ');
    throw new IdxError(
      file,
      `bad magic ${got}: an IDX file starts with two zero bytes, a type code and the number of dimensions`,
    );
  }
  const code = bytes[2];
  const type: IdxTypeName | undefined = IDX_TYPES[code as keyof typeof IDX_TYPES];
  if (type === undefined) {
    throw new IdxError(
      file,
      `unknown type code ${hex(code)} (known: 0x08 ubyte, 0x09 byte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(file, 'the header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxError(
      file,
      `truncated header: ${ndims} dimensions need ${headerBytes} header bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const v = view.getUint32(4 + 4 * d, false);
    dims.push(v);
    count *= v;
  }
  const elem = BYTES[type];
  const expected = count * elem;
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    throw new IdxError(
      file,
      `expected ${expected} bytes of data (${dims.join('x')} ${type}), found ${found}` +
        (found < expected ? ' (file truncated?)' : ' (trailing bytes)'),
    );
  }
  const data = readValues(view, headerBytes, count, type);
  if (type === 'float32' || type === 'float64') {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new IdxError(file, `value ${data[i]} at index ${i}: the data must be finite numbers`);
      }
    }
  }
  return { type, dims, data };
}

function readValues(view: DataView, at: number, n: number, type: IdxTypeName): IdxData {
  switch (type) {
    case 'ubyte':
      // A copy, so the result does not pin (or alias) the file buffer.
      return new Uint8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'byte':
      return new Int8Array(view.buffer.slice(view.byteOffset + at, view.byteOffset + at + n));
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

export interface IdxExpect {
  /** Required type, e.g. 'ubyte' for MNIST. */
  type?: IdxTypeName;
  /** Required dims; `null` entries match any size (e.g. [null, 28, 28]). */
  dims?: readonly (number | null)[];
}

/** Parses IDX bytes and checks their type and dims; `file` names them in errors. */
export function parseIdxChecked(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxArray {
  const arr = parseIdx(bytes, file);
  checkExpect(arr, file, expect);
  return arr;
}

export function checkExpect(arr: IdxArray, file: string, expect: IdxExpect): void {
  if (expect.type !== undefined && arr.type !== expect.type) {
    throw new IdxError(file, `type mismatch: expected ${expect.type}, found ${arr.type}`);
  }
  const want = expect.dims;
  if (want !== undefined) {
    const ok =
      want.length === arr.dims.length && want.every((d, i) => d === null || d === arr.dims[i]);
    if (!ok) {
      const w = want.map((d) => (d === null ? 'N' : String(d))).join('x');
      throw new IdxError(file, `dims mismatch: expected ${w}, found ${arr.dims.join('x')}`);
    }
  }
}

/** A labelled image set read from an IDX images file and an IDX labels file. */
export interface IdxImageSet {
  /** (n, rows, cols) u8 pixels. */
  readonly images: Uint8Array;
  /** (n) i32 labels in [0, numClasses). */
  readonly labels: Int32Array;
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Parses an images file (ubyte, N x rows x cols) and a labels file (ubyte, N) held in memory,
 * checking that both hold the same N and that every label is in [0, numClasses).
 */
export function parseIdxImageSet(
  images: { bytes: Uint8Array; name: string },
  labels: { bytes: Uint8Array; name: string },
  numClasses: number,
): IdxImageSet {
  const im = parseIdxChecked(images.bytes, images.name, {
    type: 'ubyte',
    dims: [null, null, null],
  });
  const lb = parseIdxChecked(labels.bytes, labels.name, { type: 'ubyte', dims: [null] });
  return pairImagesLabels(im, images.name, lb, labels.name, numClasses);
}

export function pairImagesLabels(
  im: IdxArray,
  imagesFile: string,
  lb: IdxArray,
  labelsFile: string,
  numClasses: number,
): IdxImageSet {
  const n = im.dims[0];
  if (lb.dims[0] !== n) {
    throw new IdxError(
      labelsFile,
      `images/labels count mismatch: ${imagesFile} holds ${n} images, ${labelsFile} holds ${lb.dims[0]} labels`,
    );
  }
  const labels = new Int32Array(n);
  const src = lb.data;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (v < 0 || v >= numClasses) {
      throw new IdxError(labelsFile, `label ${v} at index ${i} is out of range [0, ${numClasses})`);
    }
    labels[i] = v;
  }
  return {
    images: im.data as Uint8Array,
    labels,
    n,
    rows: im.dims[1],
    cols: im.dims[2],
  };
}

/** Serialises values as an IDX file (used to write small test files and fixtures). */
export function encodeIdx(
  type: IdxTypeName,
  dims: readonly number[],
  values: ArrayLike<number>,
): Uint8Array {
  const code = Number(Object.entries(IDX_TYPES).find(([, t]) => t === type)?.[0]);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) {
    throw new RangeError(`encodeIdx: ${values.length} values for dims ${dims.join('x')}`);
  }
  const head = 4 + 4 * dims.length;
  const out = new Uint8Array(head + count * BYTES[type]);
  const v = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const x = values[i];
    switch (type) {
      case 'ubyte':
        v.setUint8(head + i, x);
        break;
      case 'byte':
        v.setInt8(head + i, x);
        break;
      case 'int16':
        v.setInt16(head + 2 * i, x, false);
        break;
      case 'int32':
        v.setInt32(head + 4 * i, x, false);
        break;
      case 'float32':
        v.setFloat32(head + 4 * i, x, false);
        break;
      case 'float64':
        v.setFloat64(head + 8 * i, x, false);
        break;
    }
  }
  return out;
}
