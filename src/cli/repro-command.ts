// SPDX-License-Identifier: MIT
// `lowbit repro`: run the papers' experiments and write DIR/report.html with their tables.

import { Command } from 'commander';
import { EXPERIMENTS, runSuite } from '../repro/suite.js';
import { intOption } from './options.js';
import { makeRunBars } from './run-bars.js';
import { queueNameOption, queueOf, queueOption, type QueueFlags } from './queue-options.js';

interface ReproFlags extends QueueFlags {
  quick?: boolean;
  only?: string;
  out: string;
  reportOnly?: boolean;
  jobs?: number;
  progress: boolean;
}

export function reproCommand(print: (s: string) => void): Command {
  return new Command('repro')
    .description(
      "run the papers' experiments as training runs and write DIR/report.html (re-running skips finished runs)",
    )
    .option('--quick', 'a small version of every experiment (minutes, clearly labelled)')
    .option(
      '--only <names>',
      `comma-separated experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}, cost`,
    )
    .requiredOption('--out <dir>', 'output folder: runs/, schemes/, tables/, report.html')
    .option('--report-only', 'rebuild report.html from the runs already in DIR, without training')
    .option('--jobs <n>', 'runs at once on this machine (default 1)', intOption('--jobs'))
    .addOption(queueOption('run the suite'))
    .addOption(queueNameOption())
    .option('--no-progress', 'no progress bars')
    .action(async (f: ReproFlags) => {
      const only = f.only
        ? f.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
      const bars = makeRunBars(f.progress, print);
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
        bars.print(
          'stopping after this step (the run keeps a checkpoint; run the same command again to resume)',
        );
      };
      process.on('SIGINT', onSigint);
      try {
        const t0 = performance.now();
        const r = await runSuite({
          out: f.out,
          quick: Boolean(f.quick),
          only,
          log: bars.print,
          shouldStop: () => stop,
          reportOnly: f.reportOnly,
          jobs: f.jobs,
          queue: queueOf(f),
          progress: bars.progress,
        });
        for (const s of r.sections) {
          const v =
            s.verdict.reproduced === null
              ? 'not judged'
              : s.verdict.reproduced
                ? 'REPRODUCED'
                : 'not reproduced';
          print(`${s.id}: ${v} - ${s.verdict.text}`);
        }
        print(`report: ${r.report} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        if (r.interrupted) print('interrupted; run the same command again to continue');
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
