// SPDX-License-Identifier: MIT
// A sweep's grid: base `train` options and the axes that vary, from `--vary KEY=V1,V2,...` or
// a JSON sweep file, expanded to every combination (the first axis varies slowest).
//
// A key is a `train` option (`scheme`, `seed`, `lr`, `weight-decay` or `weightDecay`, ...) or
// a scheme key written as in a scheme file: `sites.E.format`, `sites.G.rounding`,
// `layers.last.W.format` (per layer: first, last or a layer name), `optimizer.lazy`.
//
// Sweep file:
//   { "base": { "model": "mlp", "dataset": "gauss-10", "epochs": 3 },
//     "vary": { "scheme": ["fixed8", "int8-lazy"], "seed": [1, 2, 3],
//               "sites.E.format": ["dfp<6>", "dfp<8>"] } }

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { trainConfig } from '../train/config.js';

export type AxisValue = string | number | boolean;

export interface Axis {
  /** A `train` option (camelCase) or a scheme key (`sites.E.format`). */
  readonly key: string;
  readonly values: readonly AxisValue[];
}

export interface Grid {
  /** Base `train` options (validated per point, after the axes are applied). */
  readonly base: Readonly<Record<string, unknown>>;
  readonly axes: readonly Axis[];
}

/** One combination: a value for every axis, in axis order. */
export type Assignment = Readonly<Record<string, AxisValue>>;

const TRAIN_KEYS = Object.keys(trainConfig.shape);
const NUMBER_KEYS = new Set(
  TRAIN_KEYS.filter((k) => {
    const t = trainConfig.shape[k as keyof typeof trainConfig.shape];
    return t.safeParse(1).success && !t.safeParse('x').success;
  }),
);
const BOOLEAN_KEYS = new Set(
  TRAIN_KEYS.filter(
    (k) => trainConfig.shape[k as keyof typeof trainConfig.shape].safeParse(true).success,
  ),
);
/** Options that are about where a run goes, not what it is: a sweep sets them itself. */
const NOT_SWEPT = new Set(['out', 'resume']);
const SCHEME_KEY = /^(sites\.[^.]+\.[^.]+|layers\.[^.]+\.[^.]+\.[^.]+|optimizer\.[^.]+(\.[^.]+)?)$/;

/** True for scheme keys (`sites.E.format`, `layers.last.W.format`, `optimizer.lazy`). */
export const isSchemeKey = (key: string): boolean => key.includes('.');

/** `weight-decay` -> `weightDecay`; checks the key is a `train` option or a scheme key. */
export function normalizeKey(key: string, where: string): string {
  const k = key.trim();
  if (isSchemeKey(k)) {
    if (!SCHEME_KEY.test(k))
      throw new Error(
        `${where}: "${k}" is not a scheme key: use sites.SITE.PROP (sites.E.format), ` +
          `layers.LAYER.SITE.PROP (layers.last.W.format) or optimizer.PROP (optimizer.lazy)`,
      );
    return k;
  }
  const camel = k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (NOT_SWEPT.has(camel))
    throw new Error(`${where}: --${k} cannot vary: every point of a sweep goes under DIR/runs`);
  if (!TRAIN_KEYS.includes(camel))
    throw new Error(
      `${where}: unknown option "${k}": a sweep varies train options (${TRAIN_KEYS.join(', ')}) ` +
        `or scheme keys (sites.E.format, layers.last.W.format, optimizer.lazy)`,
    );
  return camel;
}

/** A value given as text on the command line, typed as the key expects. */
export function parseValue(key: string, text: string, where: string): AxisValue {
  const t = text.trim();
  if (t === '') throw new Error(`${where}: empty value for ${key}`);
  if (NUMBER_KEYS.has(key)) {
    const n = Number(t);
    if (!Number.isFinite(n)) throw new Error(`${where}: ${key} must be a number, got "${t}"`);
    return n;
  }
  if (BOOLEAN_KEYS.has(key) || isSchemeKey(key)) {
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  if (isSchemeKey(key) && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

/** Splits at commas outside <...>, (...), [...] so `fixed<8,4>,fixed<8,6>` is two values. */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if ('<([{'.includes(ch)) depth++;
    else if ('>)]}'.includes(ch)) depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** `KEY=V1,V2,...` from `--vary`. */
export function parseVary(arg: string): Axis {
  const where = `--vary ${arg}`;
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`${where}: write KEY=V1,V2,... (e.g. --vary seed=1,2,3)`);
  const key = normalizeKey(arg.slice(0, eq), where);
  const values = splitValues(arg.slice(eq + 1)).map((v) => parseValue(key, v, where));
  return { key, values: dedupe(values, where) };
}

function dedupe(values: AxisValue[], where: string): AxisValue[] {
  const seen = new Set<string>();
  const out: AxisValue[] = [];
  for (const v of values) {
    const k = JSON.stringify(v);
    if (seen.has(k)) throw new Error(`${where}: the value ${k} is listed twice`);
    seen.add(k);
    out.push(v);
  }
  return out;
}

const axisValue = z.union([z.string(), z.number(), z.boolean()]);
const sweepFile = z.strictObject({
  /** Base `train` options of every point. */
  base: z.record(z.string(), z.unknown()).default({}),
  /** Axis -> values; the first axis varies slowest. */
  vary: z.record(z.string(), z.array(axisValue).min(1, 'an axis needs at least one value')),
});

/** Reads a JSON sweep file; errors name the file and the key. */
export function readSweepFile(path: string): Grid {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read sweep file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const r = sweepFile.safeParse(json);
  if (!r.success) throw new Error(`invalid sweep file ${path}:\n${z.prettifyError(r.error)}`);
  const base: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.data.base)) {
    const key = normalizeKey(k, `${path}: base`);
    if (isSchemeKey(key))
      throw new Error(`${path}: base.${k}: scheme keys vary under "vary", or name a scheme file`);
    base[key] = v;
  }
  const axes = Object.entries(r.data.vary).map(([k, values]) => ({
    key: normalizeKey(k, `${path}: vary`),
    values: dedupe(values, `${path}: vary.${k}`),
  }));
  return { base, axes };
}

/** The file's grid with command-line base options and axes on top (an axis given again wins). */
export function mergeGrids(file: Grid | null, base: Record<string, unknown>, axes: Axis[]): Grid {
  const merged = new Map<string, Axis>();
  for (const a of [...(file?.axes ?? []), ...axes]) merged.set(a.key, a);
  const b = { ...(file?.base ?? {}), ...base };
  const swept = [...merged.keys()].filter((k) => k in b);
  if (swept.length)
    throw new Error(
      `${swept.join(', ')} both fixed and varied: give each either as an option or --vary`,
    );
  if (!merged.size) throw new Error('nothing varies: give --vary KEY=V1,V2,... or a sweep file');
  return { base: b, axes: [...merged.values()] };
}

/** Every combination of the axes' values, the first axis varying slowest. */
export function expand(axes: readonly Axis[]): Assignment[] {
  let out: Record<string, AxisValue>[] = [{}];
  for (const a of axes) out = out.flatMap((p) => a.values.map((v) => ({ ...p, [a.key]: v })));
  return out;
}

/** "scheme=fixed8 sites.E.format=dfp<6>" (axes in order; `skip` left out). */
export function label(a: Assignment, skip: readonly string[] = []): string {
  return Object.entries(a)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** "fixed8 dfp<6>": the values alone, for a legend titled with the keys. */
export function values(a: Assignment, skip: readonly string[] = []): string {
  return Object.entries(a)
    .filter(([k]) => !skip.includes(k))
    .map(([, v]) => String(v))
    .join(' ');
}
