// SPDX-License-Identifier: MIT
// One training run for the train bench, in its own process so that its peak RSS is its own.
// argv[2]: a JSON TrainConfig input. Prints one JSON line with the last epoch's figures.

import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';

const cfg = parseTrainConfig(JSON.parse(process.argv[2] ?? '{}'), 'bench config');
const t0 = performance.now();
const r = await train(cfg, null);
const m = r.metrics[r.metrics.length - 1];
process.stdout.write(
  JSON.stringify({
    backend: r.setup.kernels.name,
    samples_per_s: m.samples_per_s,
    epoch_seconds: m.seconds,
    test_acc: m.test_acc,
    wall_seconds: (performance.now() - t0) / 1000,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
