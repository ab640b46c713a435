// SPDX-License-Identifier: MIT
// `lowbit repro`: run the papers' experiments and write DIR/report.html with their tables.

import { Command, Option } from 'commander';
import { join, resolve } from 'node:path';
import {
  EXPERIMENTS,
  experimentsFor,
  runSuite,
  selectExperiments,
  suiteSpecs,
} from '../repro/suite.js';
import { SCALE_NAMES, scaleByName } from '../repro/scale.js';
import { planSuite } from '../repro/plan.js';
import { slug } from '../sweep/spec.js';
import { defaultJobs } from '../sweep/local.js';
import { verdictWord } from '../report/types.js';
import type { Scale } from '../repro/types.js';
import { setExitStatus } from './exit.js';
import { envBackend, intOption, pathOption, type BackendChoice } from './options.js';
import { makeRunBars } from './run-bars.js';
import { queueNameOption, queueOf, queueOption, type QueueFlags } from './queue-options.js';
import { handleStopSignals, SIGNAL_EXIT } from './signals.js';

/** The command line that started this process, as a user would type it again. */
function resumeCommand(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`));
  return `lowbit ${args.join(' ')}`;
}

interface ReproFlags extends QueueFlags {
  quick?: boolean;
  scale?: Scale['name'];
  plan?: boolean;
  only?: string;
  out: string;
  reportOnly?: boolean;
  jobs?: number;
  backend?: BackendChoice;
  progress: boolean;
}

export function reproCommand(print: (s: string) => void): Command {
  return new Command('repro')
    .description(
      "run the papers' experiments as training runs and write DIR/report.html (re-running skips finished runs)",
    )
    .option(
      '--quick',
      'a small version of every experiment (minutes, clearly labelled); = --scale quick',
    )
    .addOption(
      new Option(
        '--scale <name>',
        'quick (minutes), medium (3 seeds, converged baselines; meant for an hour on 2 cores with --jobs 2: --plan predicts it here) or full (hours)',
      ).choices([...SCALE_NAMES]),
    )
    .option(
      '--plan',
      "print each run's predicted CPU seconds (from short measured probes) and the total, without training",
    )
    .option(
      '--only <names>',
      `comma-separated experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}, cost`,
    )
    .requiredOption(
      '--out <dir>',
      'output folder: runs/, schemes/, tables/, report.html',
      pathOption('--out'),
    )
    .option('--report-only', 'rebuild report.html from the runs already in DIR, without training')
    .option(
      '--jobs <n>',
      `runs at once on this machine (default: one per core, here ${defaultJobs()})`,
      intOption('--jobs'),
    )
    .addOption(
      new Option(
        '--backend <name>',
        'kernels of every run, and of the --plan probes (default: env LOWBIT_BACKEND, else auto); integer schemes give the same bits on every backend',
      ).choices(['auto', 'ref', 'wasm', 'native']),
    )
    .addOption(queueOption('run the suite'))
    .addOption(queueNameOption())
    .option('--no-progress', 'no progress bars')
    .action(async (f: ReproFlags) => {
      const only = (f.only ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (f.only !== undefined && only.length === 0) {
        throw new Error(
          `--only names no experiment: give a comma-separated list of ${EXPERIMENTS.map((e) => e.name).join(', ')}, cost ` +
            `(or leave --only out to run them all)`,
        );
      }
      if (f.quick && f.scale && f.scale !== 'quick')
        throw new Error(`--quick and --scale ${f.scale} disagree: give one of them`);
      const scaleName: Scale['name'] = f.quick ? 'quick' : (f.scale ?? 'full');
      const backend = f.backend ?? envBackend();
      if (f.plan) {
        await printPlan(scaleName, only, f.out, f.jobs ?? defaultJobs(), backend, print);
        return;
      }
      const bars = makeRunBars(f.progress, print);
      const stop = handleStopSignals(
        bars.print,
        "stopping after this step and saving the run's checkpoint",
      );
      try {
        const t0 = performance.now();
        const r = await runSuite({
          out: f.out,
          quick: scaleName === 'quick',
          scaleName,
          only,
          log: bars.print,
          shouldStop: () => stop.signal !== null,
          reportOnly: f.reportOnly,
          jobs: f.jobs ?? defaultJobs(),
          queue: queueOf(f),
          progress: bars.progress,
          ...(backend ? { backend } : {}),
        });
        for (const s of r.sections) {
          const w = verdictWord(s.verdict);
          const v = s.verdict.reproduced ? w.toUpperCase() : w.toLowerCase();
          print(`${s.id}: ${v} - ${s.verdict.text}`);
        }
        const conv = r.sections.find((s) => s.id === 'convergence');
        for (const row of conv?.tables[1]?.rows ?? [])
          print(
            `  fp32 ${row[0]}: epochs ${row[2]}, test accuracy ${row[3]}%, change ${row[4]} points, converged: ${row[5]}`,
          );
        print(`report: ${r.report} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        if (r.interrupted) {
          print(`stopped; continue with the same command: ${resumeCommand()}`);
          if (stop.signal) setExitStatus(SIGNAL_EXIT[stop.signal]);
        }
      } finally {
        stop.dispose();
      }
    });
}

async function printPlan(
  scaleName: Scale['name'],
  only: readonly string[],
  out: string,
  jobs: number,
  backend: BackendChoice | undefined,
  print: (s: string) => void,
): Promise<void> {
  const scale = scaleByName(scaleName);
  const exps = selectExperiments(only, scale);
  const dir = resolve(out);
  const specs = suiteSpecs(exps, {
    scale,
    schemePath: (name) => join(dir, 'schemes', `${slug(name)}.json`),
    runPath: (id) => join(dir, 'runs', id),
  });
  // Scheme files the experiments build must exist for the probes to load them.
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(join(dir, 'schemes'), { recursive: true });
  for (const e of exps)
    for (const s of e.schemes?.(scale) ?? [])
      writeFileSync(
        join(dir, 'schemes', `${slug(s.name)}.json`),
        JSON.stringify(s, null, 2) + '\n',
      );
  print(
    `plan of lowbit repro --scale ${scaleName}: ${exps.length} experiments (${experimentsFor(scale).length} at this scale), ${specs.size} runs; probing each kind of run on one thread, backend ${backend ?? 'auto'}`,
  );
  const plan = await planSuite(specs.values(), jobs, print, backend);
  const byKind = new Map<string, { n: number; cpu: number }>();
  for (const r of plan.runs) {
    const k = byKind.get(r.kind) ?? { n: 0, cpu: 0 };
    byKind.set(r.kind, { n: k.n + 1, cpu: k.cpu + r.cpuSeconds });
  }
  for (const [k, v] of [...byKind].sort((a, b) => b[1].cpu - a[1].cpu))
    print(`  ${k}: ${v.n} runs, ${(v.cpu / v.n).toFixed(0)} CPU s each, ${v.cpu.toFixed(0)} CPU s`);
  print(
    `predicted: ${plan.totalCpu.toFixed(0)} CPU s in all; ${(plan.wallOnJobs / 60).toFixed(1)} min wall with --jobs ${jobs} on idle cores (longest run first${plan.contention > 1 ? `, ${plan.contention.toFixed(2)}x for runs sharing the machine` : ''})`,
  );
}
