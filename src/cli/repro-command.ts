// SPDX-License-Identifier: MIT
// `lowbit repro`: run the papers' experiments and write DIR/report.html with their tables.

import { Command } from 'commander';
import { EXPERIMENTS, runSuite } from '../repro/suite.js';
import { setExitStatus } from './exit.js';
import { envBackend, intOption, pathOption } from './options.js';
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
    .requiredOption(
      '--out <dir>',
      'output folder: runs/, schemes/, tables/, report.html',
      pathOption('--out'),
    )
    .option('--report-only', 'rebuild report.html from the runs already in DIR, without training')
    .option('--jobs <n>', 'runs at once on this machine (default 1)', intOption('--jobs'))
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
      const backend = envBackend();
      const bars = makeRunBars(f.progress, print);
      const stop = handleStopSignals(
        bars.print,
        "stopping after this step and saving the run's checkpoint",
      );
      try {
        const t0 = performance.now();
        const r = await runSuite({
          out: f.out,
          quick: Boolean(f.quick),
          only,
          log: bars.print,
          shouldStop: () => stop.signal !== null,
          reportOnly: f.reportOnly,
          jobs: f.jobs,
          queue: queueOf(f),
          progress: bars.progress,
          ...(backend ? { backend } : {}),
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
        if (r.interrupted) {
          print(`stopped; continue with the same command: ${resumeCommand()}`);
          if (stop.signal) setExitStatus(SIGNAL_EXIT[stop.signal]);
        }
      } finally {
        stop.dispose();
      }
    });
}
