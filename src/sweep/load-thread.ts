// SPDX-License-Identifier: MIT
// A worker thread that keeps one core busy training a run's configuration (steps only, no
// files) until it is terminated: the load beside which `--plan` times a run to see how much
// slower runs train when several share the machine (src/repro/plan.ts, `contention`). Posts 'warm' once
// it is past its set-up and first steps.

import { parentPort, workerData } from 'node:worker_threads';
import '../register.js';
import { parseTrainConfig } from '../train/config.js';
import { train } from '../train/trainer.js';

const cfg = parseTrainConfig(workerData as Record<string, unknown>, 'the load thread');
let warm = false;
await train(cfg, null, {
  log: () => {},
  progress(done: number) {
    if (!warm && done >= 3) {
      warm = true;
      parentPort!.postMessage('warm');
    }
  },
});
