// SPDX-License-Identifier: MIT
// Shapes: plain readonly number arrays, row-major (last index fastest).

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(actual: Shape, expected: Shape, what: string): void {
  if (!sameShape(actual, expected)) {
    throw new Error(`${what}: expected shape ${shapeStr(expected)}, got ${shapeStr(actual)}`);
  }
}

export function checkShape(shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad shape ${shapeStr(shape)}`);
  }
}
