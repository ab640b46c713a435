// SPDX-License-Identifier: MIT
// ONNX protobuf messages through protobufjs and the vendored ONNX schema (onnx-proto3.ts):
// typed shapes of the parts lowbit writes, and encode/decode of a ModelProto. Browser-safe.

import protobuf from 'protobufjs';
import { ONNX_PROTO3 } from './onnx-proto3.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface TensorMsg {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMsg;
  floats?: number[];
  ints?: number[];
}

export interface NodeMsg {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeMsg[];
  docString?: string;
}

export interface ValueInfoMsg {
  name: string;
  type: {
    tensorType: {
      elemType: number;
      shape: { dim: ({ dimValue: number } | { dimParam: string })[] };
    };
  };
  docString?: string;
}

export interface GraphMsg {
  name: string;
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  docString?: string;
}

export interface ModelMsg {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  opsetImport: { domain: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: GraphMsg;
}

let modelType: protobuf.Type | null = null;

/** The ModelProto message type, parsed from the schema once. */
export function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO3, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType;
}

export function encodeModel(m: ModelMsg): Uint8Array {
  const T = modelProto();
  const err = T.verify(m);
  if (err) throw new Error(`internal error: the ONNX model is not a valid ModelProto: ${err}`);
  return T.encode(T.fromObject(m)).finish();
}

/** Decodes ONNX bytes to plain objects (int64 as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  const T = modelProto();
  return T.toObject(T.decode(bytes), { longs: Number, defaults: true, arrays: true }) as ModelMsg;
}

/** Bytes of a typed array in little-endian order (ONNX raw_data is little-endian). */
export function rawBytes(a: Float32Array | Int8Array | Int32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(4 * i, a[i], true);
    else if (a instanceof Int8Array) dv.setInt8(i, a[i]);
    else if (a instanceof Int32Array) dv.setInt32(4 * i, a[i], true);
    else dv.setBigInt64(8 * i, a[i], true);
  }
  return out;
}

export function tensorMsg(
  name: string,
  dims: readonly number[],
  data: Float32Array | Int8Array | Int32Array | BigInt64Array,
): TensorMsg {
  const dataType =
    data instanceof Float32Array
      ? DataType.FLOAT
      : data instanceof Int8Array
        ? DataType.INT8
        : data instanceof Int32Array
          ? DataType.INT32
          : DataType.INT64;
  return { name, dims: [...dims], dataType, rawData: rawBytes(data) };
}

const utf8 = new TextEncoder();

export const attr = {
  int: (name: string, i: number): AttributeMsg => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): AttributeMsg => ({ name, type: AttrType.FLOAT, f }),
  ints: (name: string, ints: readonly number[]): AttributeMsg => ({
    name,
    type: AttrType.INTS,
    ints: [...ints],
  }),
  floats: (name: string, floats: readonly number[]): AttributeMsg => ({
    name,
    type: AttrType.FLOATS,
    floats: [...floats],
  }),
  string: (name: string, s: string): AttributeMsg => ({
    name,
    type: AttrType.STRING,
    s: utf8.encode(s),
  }),
};
