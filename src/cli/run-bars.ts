// SPDX-License-Identifier: MIT
// Progress bars for a list of runs (sweep, repro): one bar per active run, by epochs (and by
// batches where the run is local), on an interactive terminal only; logs stay one line per run.

import cliProgress from 'cli-progress';
import type { RunProgress } from '../sweep/list.js';
import { tested } from '../train/metrics.js';

export interface RunBars {
  readonly progress?: RunProgress;
  /** Prints a line above the bars (or plainly when there are none). */
  print(line: string): void;
}

export function makeRunBars(enabled: boolean, print: (s: string) => void): RunBars {
  if (!enabled || !process.stderr.isTTY) return { print };
  const multi = new cliProgress.MultiBar(
    {
      format: '{id} [{bar}] epoch {epoch}/{epochs} {detail}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, { bar: cliProgress.SingleBar; epochs: number }>();
  // Stopping twice would clear lines printed in between: stop only a running display.
  let running = false;
  const stop = (): void => {
    if (running) multi.stop();
    running = false;
  };
  const short = (id: string): string => (id.length > 40 ? `${id.slice(0, 37)}...` : id);
  const progress: RunProgress = {
    start(id, epochs, startEpoch) {
      const detail = startEpoch ? `(resumed at epoch ${startEpoch + 1})` : '';
      running = true;
      const bar = multi.create(epochs * 1000, startEpoch * 1000, {
        id: short(id),
        epoch: startEpoch + 1,
        epochs,
        detail,
      });
      bars.set(id, { bar, epochs });
    },
    batch(id, done, total, epoch, loss) {
      const b = bars.get(id);
      if (!b) return;
      b.bar.update(Math.round((epoch + done / total) * 1000), {
        epoch: epoch + 1,
        detail: `loss ${loss.toFixed(4)}`,
      });
    },
    epoch(id, m, epochs) {
      const b = bars.get(id);
      if (!b) return;
      b.bar.update(m.epoch * 1000, {
        epoch: Math.min(m.epoch + 1, epochs),
        detail: tested(m) ? `test_acc ${(m.test_acc * 100).toFixed(2)}%` : 'no test pass',
      });
    },
    end(id) {
      const b = bars.get(id);
      if (!b) return;
      // The last bar: stop the display first, so that it clears every line it drew.
      if (bars.size === 1) stop();
      multi.remove(b.bar);
      bars.delete(id);
    },
    clear() {
      if (!bars.size) stop();
    },
  };
  return {
    progress,
    print: (line) => (bars.size ? multi.log(`${line}\n`) : print(line)),
  };
}
