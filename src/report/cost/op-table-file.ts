// SPDX-License-Identifier: MIT
// A cost table read from a JSON file (Node): `lowbit cost --table FILE.json`.

import { readFileSync } from 'node:fs';
import { parseOpTable, type OpTable } from './op-table.js';

export function loadOpTable(path: string): OpTable {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(
      `cannot read cost table ${path}: ${(e as Error).message} (give a JSON file shaped like the default: lowbit cost --print-table)`,
      { cause: e },
    );
  }
  return parseOpTable(json, path);
}
