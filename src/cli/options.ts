// SPDX-License-Identifier: MIT
// Option parsers for the CLI: numbers are checked here so a bad value is named at once.

import { InvalidArgumentError } from 'commander';

export function intOption(name: string, min = 1): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}, got "${v}"`);
    }
    return n;
  };
}

export function numberOption(name: string, min = 0): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be a number >= ${min}, got "${v}"`);
    }
    return n;
  };
}

/** A path option: an empty string would silently mean "nowhere" (or the current folder). */
export function pathOption(name: string): (v: string) => string {
  return (v) => {
    if (v.trim() === '')
      throw new InvalidArgumentError(`${name} needs a path, got an empty string`);
    return v;
  };
}

export type BackendChoice = 'auto' | 'ref' | 'wasm';
const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ref', 'wasm'];

/**
 * The backend when --backend is not given: LOWBIT_BACKEND if set (checked), else undefined
 * (the configuration's default, auto).
 */
export function envBackend(): BackendChoice | undefined {
  const v = process.env.LOWBIT_BACKEND;
  if (v === undefined || v === '') return undefined;
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new Error(
    `LOWBIT_BACKEND="${v}" is not a backend: use ${BACKEND_CHOICES.join(', ')} (or unset it)`,
  );
}
