// SPDX-License-Identifier: MIT
// `lowbit repro`: the papers' experiments as ordinary run folders under DIR/runs, their tables
// as CSV and JSON under DIR/tables, and DIR/report.html. Re-running skips finished runs and
// resumes interrupted ones from their checkpoints.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderReport } from '../report/html.js';
import { loadRun, type RunData } from '../report/run-data.js';
import { toCsv } from '../report/tables.js';
import type { Section } from '../report/types.js';
import { costSection } from './cost-section.js';
import { suResnet, suRounding } from './experiments/su.js';
import { wageubnFig9, wageubnTable1, wageubnTable2 } from './experiments/wageubn.js';
import { zhangTable1 } from './experiments/zhang.js';
import { zhangFig9b } from './experiments/zhang-transformer.js';
import { parkEq5, parkTable1 } from './experiments/park.js';
import { parkTable3 } from './experiments/park-transfer.js';
import { parkGan } from './experiments/park-gan.js';
import { slug, type RunOutcome } from '../sweep/spec.js';
import type { RunProgress } from '../sweep/list.js';
import { runList } from '../sweep/run-list.js';
import type { QueueOptions } from '../sweep/queue/connection.js';
import { scaleByName, seedsOf, withSeed } from './scale.js';
import { convergenceSection } from './convergence-section.js';
import { parkTable1Bn } from './experiments/park-bn.js';
import { suSeq2seq, zhangFig9a } from './experiments/sequence.js';
import type { Experiment, ExperimentContext, RunSpec, Scale } from './types.js';

export const EXPERIMENTS: readonly Experiment[] = [
  suRounding,
  suResnet,
  wageubnTable1,
  wageubnTable2,
  wageubnFig9,
  zhangTable1,
  zhangFig9b,
  parkTable1,
  parkEq5,
  parkTable3,
  parkTable1Bn,
  zhangFig9a,
  suSeq2seq,
  parkGan,
];

export interface SuiteOptions {
  out: string;
  /** The quick scale (the same as scaleName 'quick'); otherwise `scaleName`, default full. */
  quick: boolean;
  scaleName?: Scale['name'];
  /** Experiment names (all when empty). */
  only?: readonly string[];
  log?(line: string): void;
  shouldStop?(): boolean;
  /** Build the report from what exists, without training. */
  reportOnly?: boolean;
  /** Sizes other than the built-in quick/full (tests use a tiny one). */
  scale?: Scale;
  /** Runs at once on this machine (default 1; the CLI's default is one per core). */
  jobs?: number;
  /** Spread the runs over the workers of this job queue instead. */
  queue?: QueueOptions;
  progress?: RunProgress;
  /** Kernels for every run (a machine-side choice: results are the same bit for bit). */
  backend?: 'auto' | 'ref' | 'wasm' | 'native';
}

export interface SuiteResult {
  readonly report: string;
  readonly sections: readonly Section[];
  readonly outcomes: ReadonlyMap<string, RunOutcome>;
  readonly interrupted: boolean;
}

/** The experiments a scale can run (some need the medium or full scale's models). */
function runnableAt(scale: Scale): Experiment[] {
  return EXPERIMENTS.filter((e) => !e.scales || e.scales.includes(scale.name));
}

/** The experiments a scale runs by default (those it runs only on request left out). */
export function experimentsFor(scale: Scale): Experiment[] {
  return runnableAt(scale).filter((e) => !e.onRequest?.includes(scale.name));
}

export function selectExperiments(
  only: readonly string[] | undefined,
  scale?: Scale,
): Experiment[] {
  if (!only || only.length === 0) return scale ? experimentsFor(scale) : [...EXPERIMENTS];
  const pool = scale ? runnableAt(scale) : [...EXPERIMENTS];
  const names = EXPERIMENTS.map((e) => e.name);
  const bad = only.filter((n) => !names.includes(n) && n !== 'cost');
  if (bad.length)
    throw new Error(
      `unknown experiment ${bad.map((b) => `"${b}"`).join(', ')}: experiments are ${names.join(', ')}, cost`,
    );
  const out = pool.filter((e) => only.includes(e.name));
  const absent = only.filter((n) => n !== 'cost' && !out.some((e) => e.name === n));
  if (absent.length && scale)
    throw new Error(
      `${absent.join(', ')} not run at the ${scale.name} scale (it needs --scale ${EXPERIMENTS.find((e) => e.name === absent[0])?.scales?.join(' or ')})`,
    );
  return out;
}

/** Every run of the experiments, each repeated over the scale's seeds unless it lists its own. */
export function suiteSpecs(
  exps: readonly Experiment[],
  ctx: ExperimentContext,
): Map<string, RunSpec> {
  const specs = new Map<string, RunSpec>();
  for (const e of exps)
    for (const r of e.runs(ctx))
      for (const seed of e.ownSeeds ? [1] : seedsOf(ctx.scale)) {
        const s = withSeed(r, seed);
        specs.set(s.id, s);
      }
  return specs;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const log = o.log ?? (() => {});
  const scale = o.scale ?? scaleByName(o.quick ? 'quick' : (o.scaleName ?? 'full'));
  const exps = selectExperiments(o.only, scale);
  const out = resolve(o.out);
  const schemeDir = join(out, 'schemes');
  for (const d of [out, join(out, 'runs'), schemeDir, join(out, 'tables')])
    mkdirSync(d, { recursive: true });
  const ctx: ExperimentContext = {
    scale,
    schemePath: (name) => join(schemeDir, `${slug(name)}.json`),
    runPath: (id) => join(out, 'runs', id),
  };
  for (const e of exps) {
    for (const s of e.schemes?.(scale) ?? [])
      writeFileSync(ctx.schemePath(s.name), JSON.stringify(s, null, 2) + '\n');
  }
  const specs = suiteSpecs(exps, ctx);
  let outcomes: ReadonlyMap<string, RunOutcome> = new Map();
  let interrupted = false;
  if (!o.reportOnly) {
    const at = o.queue ? 'through the queue' : `${Math.max(1, o.jobs ?? 1)} at once`;
    log(
      `lowbit repro (${scale.name}): ${exps.length} experiments, ${specs.size} runs -> ${out} (${at})`,
    );
    const backend = o.backend;
    const list = [...specs.values()].map((spec) =>
      backend ? { ...spec, config: { ...spec.config, backend } } : spec,
    );
    const r = await runList(list, {
      out,
      jobs: o.jobs,
      queue: o.queue,
      log,
      shouldStop: o.shouldStop,
      progress: o.progress,
    });
    outcomes = r.outcomes;
    interrupted = r.interrupted;
  }
  const runs = new Map<string, RunData>();
  for (const spec of specs.values()) {
    const dir = join(out, 'runs', spec.id);
    if (existsSync(join(dir, 'config.json'))) runs.set(spec.id, loadRun(dir));
  }
  const sections: Section[] = exps.map((e) => {
    const a = e.analyse(runs, ctx);
    return {
      id: e.name,
      title: e.title,
      source: e.source,
      claim: e.claim,
      paper: e.paper,
      setting: `${e.setting(scale)}. ${scale.label}.`,
      ...a,
    };
  });
  sections.push(convergenceSection(runs, specs));
  if (!o.only?.length || o.only.includes('cost')) sections.push(await costSection(scale));
  writeTables(join(out, 'tables'), sections);
  const html = await renderReport({
    title: 'lowbit: reproducing four low-bitwidth training papers',
    subtitle: `${scale.label}. Generated ${new Date().toISOString().slice(0, 19)}Z by lowbit repro --scale ${scale.name}.`,
    sections,
  });
  const report = join(out, 'report.html');
  writeFileSync(report, html);
  return { report, sections, outcomes, interrupted };
}

/** DIR/tables/<experiment>-<k>.csv per table, and all tables plus verdicts in results.json. */
function writeTables(dir: string, sections: readonly Section[]): void {
  const all = sections.map((s) => {
    s.tables.forEach((t, k) => writeFileSync(join(dir, `${s.id}-${k + 1}.csv`), toCsv(t)));
    return { id: s.id, title: s.title, verdict: s.verdict, tables: s.tables, paper: s.paper };
  });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(all, null, 2) + '\n');
}
