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
