// SPDX-License-Identifier: MIT
// Finding schemes by name or file, and resolving `extends` chains into one flat spec.
// Browser-safe: scheme files are read by the reader the Node entry registers (files.ts).

import '../quant/format-quantizer.js';
import { parseScheme, type SchemeInput, type SchemeSpec } from './schema.js';
import { fp32, fixed8 } from './builtin/core.js';
import { paperSchemes } from './builtin/index.js';

const builtins = new Map<string, SchemeInput>();

let readText: ((path: string) => string) | null = null;

/** Sets how scheme files are read (the Node entry reads them from disk). */
export function setSchemeFileReader(read: (path: string) => string): void {
  readText = read;
}

/** Adds a built-in scheme (the papers' schemes register here). */
export function registerScheme(s: SchemeInput): void {
  builtins.set(s.name, s);
}
registerScheme(fp32);
registerScheme(fixed8);
paperSchemes.forEach(registerScheme);

export function builtinSchemes(): SchemeSpec[] {
  return [...builtins.keys()].map((n) => loadScheme(n));
}

function merge(base: SchemeSpec, own: SchemeSpec): SchemeSpec {
  const layers: SchemeSpec['layers'] = { ...base.layers };
  for (const [k, v] of Object.entries(own.layers)) layers[k] = { ...(layers[k] ?? {}), ...v };
  return {
    name: own.name,
    description: own.description || base.description,
    sites: { ...base.sites, ...own.sites },
    layers,
    optimizer: { ...base.optimizer, ...own.optimizer },
  };
}

const isPath = (s: string): boolean => s.endsWith('.json') || /[\\/]/.test(s);

/**
 * Where a file scheme's `extends` path points: beside the file that names it (as a relative
 * import would), not in the current folder. Built-in names and absolute paths stay as they are.
 */
export function extendsTarget(base: string, from: string | null): string {
  if (from === null || !isPath(base) || /^([\\/]|[A-Za-z]:[\\/])/.test(base)) return base;
  const cut = Math.max(from.lastIndexOf('/'), from.lastIndexOf('\\'));
  return cut < 0 ? base : `${from.slice(0, cut + 1)}${base}`;
}

/**
 * A scheme by built-in name, by path to a JSON file (anything ending in .json or holding a
 * slash), or given as an object (parsed and checked like a file's content). `extends` is
 * followed and merged: the extending scheme's sites replace the base's; a relative `extends`
 * path is read beside the file that names it.
 */
export function loadScheme(
  nameOrPath: string | Readonly<Record<string, unknown>>,
  seen: string[] = [],
): SchemeSpec {
  if (typeof nameOrPath !== 'string') {
    const label = typeof nameOrPath.name === 'string' ? nameOrPath.name : 'given as an object';
    const spec = parseScheme(nameOrPath, `"${label}"`);
    if (!spec.extends) return spec;
    return merge(loadScheme(spec.extends, [...seen, spec.name]), spec);
  }
  if (seen.includes(nameOrPath)) {
    throw new Error(`scheme "${nameOrPath}" extends itself: ${[...seen, nameOrPath].join(' -> ')}`);
  }
  let spec: SchemeSpec;
  let file: string | null = null;
  const builtin = builtins.get(nameOrPath);
  if (builtin) spec = parseScheme(builtin, `"${nameOrPath}"`);
  else if (isPath(nameOrPath)) {
    file = nameOrPath;
    if (!readText) {
      throw new Error(
        `cannot read scheme file ${nameOrPath} here: files are read in Node (import lowbit's ` +
          'Node entry); elsewhere pass the scheme itself as an object',
      );
    }
    let text: string;
    try {
      text = readText(nameOrPath);
    } catch (e) {
      throw new Error(`cannot read scheme file ${nameOrPath}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`scheme file ${nameOrPath} is not valid JSON: ${(e as Error).message}`, {
        cause: e,
      });
    }
    spec = parseScheme(json, nameOrPath);
  } else {
    throw new Error(
      `unknown scheme "${nameOrPath}": built-in schemes are ${[...builtins.keys()].join(', ')}; ` +
        `or give a path to a scheme .json file`,
    );
  }
  if (!spec.extends) return spec;
  return merge(loadScheme(extendsTarget(spec.extends, file), [...seen, nameOrPath]), spec);
}
