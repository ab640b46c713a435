// SPDX-License-Identifier: MIT
// Running a list of runs (a sweep's points, the repro suite's runs) as ordinary run folders
// under DIR/runs: on this machine, N at once (`--jobs N`), or through a job queue on Redis
// (`--queue URL`) whose workers may be on other machines. Finished runs are skipped and
// interrupted ones resume from their checkpoint either way.

import type { ListOptions, ListResult } from './list.js';
import { runLocal } from './local.js';
import { runQueued } from './queue/coordinator.js';
import type { RunSpec } from './spec.js';

/** Runs the list locally, or through the queue when `o.queue` is set. */
export function runList(specs: readonly RunSpec[], o: ListOptions): Promise<ListResult> {
  return o.queue ? runQueued(specs, { ...o, queue: o.queue }) : runLocal(specs, o);
}
