// SPDX-License-Identifier: MIT
// The training progress bar (cli-progress), shown on an interactive terminal only so that
// logs of non-interactive runs stay one line per epoch.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, epoch: number, loss: number): void;
  stop(): void;
}

export function makeProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: 'epoch {epoch} [{bar}] {value}/{total} batches  loss {loss}  eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = -1;
  return {
    update(done, total, epoch, loss) {
      if (started !== epoch) {
        if (started >= 0) bar.stop();
        bar.start(total, done, { epoch: epoch + 1, loss: loss.toFixed(4) });
        started = epoch;
      } else bar.update(done, { loss: loss.toFixed(4) });
      if (done === total) {
        bar.stop();
        started = -1;
      }
    },
    stop() {
      if (started >= 0) bar.stop();
    },
  };
}
