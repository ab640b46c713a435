// SPDX-License-Identifier: MIT
// Dependencies between the runs of a list: a run whose `init` names the folder of another run
// of the same list (a fine-tuning run of its pretraining run) starts only once that run has
// finished, however many runs go at once (`--jobs N`) or through the queue; if that run fails,
// so does the dependant, saying why.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_FILE } from '../report/run-data.js';
import { runDir } from './list.js';
import type { RunOutcome, RunSpec } from './spec.js';

/** Run id -> the id of the run of the same list whose weights it starts from. */
export function dependencies(specs: readonly RunSpec[], out: string): Map<string, string> {
  const byDir = new Map(specs.map((s) => [runDir(out, s.id), s.id]));
  const deps = new Map<string, string>();
  for (const s of specs) {
    const init = s.config.init;
    if (typeof init !== 'string') continue;
    const parent = byDir.get(resolve(init));
    if (parent !== undefined && parent !== s.id) deps.set(s.id, parent);
  }
  return deps;
}

/** A parent's outcome lets its dependants train. */
export const finishedWell = (o: RunOutcome | undefined): boolean =>
  o === 'done' || o === 'resumed' || o === 'skipped';

/**
 * Where a run stands against its dependency: 'ready' (none, or finished), 'wait' (not finished
 * yet) or 'failed' (it failed: the dependant cannot start).
 */
export function depState(
  id: string,
  deps: ReadonlyMap<string, string>,
  outcomes: ReadonlyMap<string, RunOutcome>,
): 'ready' | 'wait' | 'failed' {
  const parent = deps.get(id);
  if (parent === undefined) return 'ready';
  const o = outcomes.get(parent);
  if (o === undefined || o === 'interrupted') return 'wait';
  return finishedWell(o) ? 'ready' : 'failed';
}

/** Records in the dependant's folder (error.txt) why it did not train; returns the message. */
export function failDependant(dir: string, parent: string): string {
  const msg = `it starts from the weights of run ${parent} (init), which failed: see that run's error.txt, fix it and run the list again`;
  writeFileSync(resolve(dir, ERROR_FILE), msg + '\n');
  return msg;
}
