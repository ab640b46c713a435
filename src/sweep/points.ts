// SPDX-License-Identifier: MIT
// From a grid to runs: each combination of the axes becomes an ordinary `train` configuration.
// Scheme keys (`sites.E.format=dfp<6>`) make a scheme of their own: the base scheme resolved,
// the keys set on it, written to DIR/schemes/ (like every scheme that is not built in, so the
// sweep folder holds everything its runs read). A run's id ends in a hash of its resolved
// configuration (options and scheme content, not the scheme's name or path), so identical
// points (in this sweep or another one over the same DIR) share one run folder.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScheme, builtinSchemes } from '../schemes/resolve.js';
import { parseScheme, type SchemeSpec } from '../schemes/schema.js';
import { parseTrainConfig } from '../train/config.js';
import { expand, isSchemeKey, label, type Assignment, type AxisValue, type Grid } from './grid.js';
import { slug, type RunSpec } from './spec.js';

export interface SweepPoint {
  /** The axes' values at this point. */
  readonly assign: Assignment;
  readonly spec: RunSpec;
}

export interface SweepPlan {
  readonly grid: Grid;
  readonly points: readonly SweepPoint[];
  /** Distinct runs (identical points share one). */
  readonly specs: readonly RunSpec[];
}

type Json = Record<string, unknown>;

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .sort()
      .filter((k) => (x as Json)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((x as Json)[k])}`)
      .join(',')}}`;
  return JSON.stringify(x);
}

/** Sets `path` (dotted) in `obj`, creating objects on the way. */
function setPath(obj: Json, path: string[], v: unknown): void {
  let o = obj;
  for (const p of path.slice(0, -1)) {
    if (!o[p] || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Json;
  }
  o[path.at(-1)!] = v;
}

/**
 * The scheme `base` with scheme keys set: `sites.*` first, then `layers.*` (a layer's site
 * starts from the scheme-wide site, so `layers.last.W.format` changes only the format), then
 * `optimizer.*`. The result is flat (no `extends`) and named after what was set.
 */
export function schemeWith(base: SchemeSpec, keys: [string, AxisValue][]): SchemeSpec {
  const s = clone(base) as unknown as Json & { sites: Json; layers: Record<string, Json> };
  const order = ['sites', 'layers', 'optimizer'];
  const sorted = [...keys].sort(
    (a, b) => order.indexOf(a[0].split('.')[0]) - order.indexOf(b[0].split('.')[0]),
  );
  for (const [key, v] of sorted) {
    const path = key.split('.');
    if (path[0] === 'layers') {
      const [, layer, site] = path;
      s.layers[layer] ??= {};
      if (!s.layers[layer][site]) s.layers[layer][site] = clone(s.sites[site] ?? {});
    }
    setPath(s, path, v);
  }
  const name = `${base.name} ${keys.map(([k, v]) => `${k}=${v}`).join(' ')}`;
  const description = `${base.name} with ${keys.map(([k, v]) => `${k}=${v}`).join(', ')}`;
  delete s.extends;
  return parseScheme({ ...s, name, description }, `"${name}"`);
}

/** Expands the grid and writes the schemes its points need to DIR/schemes/. */
export function planSweep(grid: Grid, out: string): SweepPlan {
  const schemeDir = join(resolve(out), 'schemes');
  const builtins = new Set(builtinSchemes().map((s) => s.name));
  const points: SweepPoint[] = [];
  const specs = new Map<string, RunSpec>();
  const runsDir = join(resolve(out), 'runs');
  const existing = new Map<string, string>();
  if (existsSync(runsDir))
    for (const d of readdirSync(runsDir)) {
      const m = /-([0-9a-f]{10})$/.exec(d);
      if (m) existing.set(m[1], d);
    }
  for (const assign of expand(grid.axes)) {
    const where = `sweep point ${label(assign)}`;
    const opts: Json = { ...grid.base };
    const keys: [string, AxisValue][] = [];
    for (const [k, v] of Object.entries(assign)) {
      if (isSchemeKey(k)) keys.push([k, v]);
      else opts[k] = v;
    }
    let cfg;
    let scheme: SchemeSpec;
    try {
      cfg = parseTrainConfig(opts, where);
      const base = loadScheme(cfg.scheme);
      scheme = keys.length ? schemeWith(base, keys) : base;
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
    }
    // Identity: the whole configuration with the scheme's content (not its name or path).
    const { name: _n, description: _d, ...content } = scheme;
    const { scheme: _s, ...rest } = cfg;
    const hash = sha(canonical({ ...rest, scheme: content })).slice(0, 10);
    // A built-in name stays a name; anything else (edited, a file, an object) becomes a file.
    let schemeRef: string;
    if (typeof cfg.scheme === 'string' && !keys.length && builtins.has(cfg.scheme)) {
      schemeRef = cfg.scheme;
    } else {
      const text = JSON.stringify(scheme, null, 2) + '\n';
      schemeRef = join(
        schemeDir,
        `${slug(scheme.name).slice(0, 80)}-${sha(text).slice(0, 10)}.json`,
      );
      mkdirSync(schemeDir, { recursive: true });
      writeFileSync(schemeRef, text);
    }
    // The readable part comes from the first point with this hash (here or in an earlier
    // sweep over the same DIR): names differ where contents do not.
    const id =
      existing.get(hash) ??
      `${slug(`${cfg.model}-${cfg.dataset}-${scheme.name}-seed${cfg.seed}`).slice(0, 100)}-${hash}`;
    existing.set(hash, id);
    if (!specs.has(id))
      specs.set(id, {
        id,
        config: { ...clone(opts), model: cfg.model, dataset: cfg.dataset, scheme: schemeRef },
      });
    points.push({ assign, spec: specs.get(id)! });
  }
  return { grid, points, specs: [...specs.values()] };
}
