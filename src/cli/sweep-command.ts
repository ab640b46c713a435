// SPDX-License-Identifier: MIT
// `lowbit sweep`: a grid of training runs (over train options and scheme keys, seeds included)
// under DIR/runs, with DIR/summary.csv and DIR/report.html; on this machine or through a queue.

import { Command, InvalidArgumentError } from 'commander';
import { mergeGrids, parseVary, readSweepFile, type Axis } from '../sweep/grid.js';
import { runSweep } from '../sweep/sweep.js';
import { intOption } from './options.js';
import { makeRunBars } from './run-bars.js';
import { queueNameOption, queueOf, queueOption, type QueueFlags } from './queue-options.js';
import { addTrainOptions, trainInput, type TrainOptionFlags } from './train-options.js';

interface SweepFlags extends TrainOptionFlags, QueueFlags {
  out: string;
  vary: Axis[];
  jobs?: number;
  reportOnly?: boolean;
  progress: boolean;
}

export function sweepCommand(print: (s: string) => void): Command {
  return addTrainOptions(
    new Command('sweep')
      .description(
        'train every combination of the varied options and scheme keys, and summarise them ' +
          '(mean +- std over seeds) in DIR/summary.csv and DIR/report.html',
      )
      .argument('[file]', 'JSON sweep file: { "base": {train options}, "vary": {KEY: [values]} }')
      .requiredOption('--out <dir>', 'sweep folder: runs/, schemes/, summary.csv, report.html')
      .option(
        '--vary <KEY=V1,V2,...>',
        'an axis: a train option (seed, lr, scheme, ...) or a scheme key (sites.E.format, ' +
          'layers.last.W.format, optimizer.lazy); repeat for more axes',
        (v: string, prev: Axis[]) => {
          try {
            return [...prev, parseVary(v)];
          } catch (e) {
            throw new InvalidArgumentError((e as Error).message);
          }
        },
        [] as Axis[],
      ),
  )
    .option('--jobs <n>', 'runs at once on this machine (default 1)', intOption('--jobs'))
    .addOption(queueOption('run the points'))
    .addOption(queueNameOption())
    .option('--report-only', 'rebuild summary.csv and report.html from the runs in DIR')
    .option('--no-progress', 'no progress bars')
    .addHelpText(
      'after',
      `
Base options are the train options above; each point is an ordinary run folder under
DIR/runs (identical points share one; re-run the same command to resume). Examples:
  lowbit sweep --out sw --model mlp --dataset gauss-10 --epochs 3 \\
    --vary scheme=fixed8,int8-lazy --vary seed=1,2,3 --vary 'sites.E.format=dfp<6>,dfp<8>'
  lowbit sweep grid.json --out sw --jobs 2
  lowbit sweep grid.json --out sw --queue redis://host:6379   # with: lowbit worker --queue ...`,
    )
    .action(async (file: string | undefined, f: SweepFlags) => {
      const grid = mergeGrids(file ? readSweepFile(file) : null, { ...trainInput(f) }, f.vary);
      const bars = makeRunBars(f.progress, print);
      let stop = false;
      const onSigint = (): void => {
        if (stop) process.exit(130);
        stop = true;
        bars.print(
          'stopping after this step (each run keeps a checkpoint; run the same command again to resume)',
        );
      };
      process.on('SIGINT', onSigint);
      try {
        const t0 = performance.now();
        const r = await runSweep({
          grid,
          out: f.out,
          jobs: f.jobs,
          queue: queueOf(f),
          log: bars.print,
          shouldStop: () => stop,
          progress: bars.progress,
          reportOnly: f.reportOnly,
        });
        print(`summary: ${r.summary}`);
        print(`report: ${r.report} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        if (r.interrupted) print('interrupted; run the same command again to continue');
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
