// SPDX-License-Identifier: MIT
// `lowbit repro`: run the papers' experiments and write DIR/report.html with their tables.

import { Command } from 'commander';
import { EXPERIMENTS, runSuite } from '../repro/suite.js';

interface ReproFlags {
  quick?: boolean;
  only?: string;
  out: string;
  reportOnly?: boolean;
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
    .action(async (f: ReproFlags) => {
      const only = f.only
        ? f.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [];
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
        print(
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
          log: print,
          shouldStop: () => stop,
          reportOnly: f.reportOnly,
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
