// SPDX-License-Identifier: MIT
// Dependencies between the runs of a list: a run that names the folder of another run of the
// same list starts only once that run has finished, however many runs go at once (`--jobs N`)
// or through the queue; if that run fails, so does the dependant, saying why. Two keys name a
// run folder: `init` (a fine-tuning run starts from its pretraining run's weights) and `judge`
// (a GAN run is scored by a classifier the list trains).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ERROR_FILE } from '../report/run-data.js';
import { runDir } from './list.js';
import type { RunOutcome, RunSpec } from './spec.js';

/** The configuration keys that name another run's folder. */
export const DEP_KEYS = ['init', 'judge'] as const;
export type DepKey = (typeof DEP_KEYS)[number];

/** A run of the same list that a run needs finished, and through which key. */
export interface Dep {
  readonly parent: string;
  readonly via: DepKey;
}

/** Run id -> the runs of the same list it needs (its init run, its judge run). */
export function dependencies(specs: readonly RunSpec[], out: string): Map<string, Dep[]> {
  const byDir = new Map(specs.map((s) => [runDir(out, s.id), s.id]));
  const deps = new Map<string, Dep[]>();
  for (const s of specs) {
    const mine: Dep[] = [];
    for (const via of DEP_KEYS) {
      const dir = s.config[via];
      if (typeof dir !== 'string') continue;
      const parent = byDir.get(resolve(dir));
      if (parent !== undefined && parent !== s.id) mine.push({ parent, via });
    }
    if (mine.length) deps.set(s.id, mine);
  }
  return deps;
}

/** A parent's outcome lets its dependants train. */
export const finishedWell = (o: RunOutcome | undefined): boolean =>
  o === 'done' || o === 'resumed' || o === 'skipped';

const stateOf = (o: RunOutcome | undefined): 'ready' | 'wait' | 'failed' =>
  o === undefined || o === 'interrupted' ? 'wait' : finishedWell(o) ? 'ready' : 'failed';

/**
 * Where a run stands against its dependencies: 'ready' (none, or all finished), 'failed' (one
 * failed: the dependant cannot start) or 'wait' (one has not finished yet).
 */
export function depState(
  id: string,
  deps: ReadonlyMap<string, readonly Dep[]>,
  outcomes: ReadonlyMap<string, RunOutcome>,
): 'ready' | 'wait' | 'failed' {
  const states = (deps.get(id) ?? []).map((d) => stateOf(outcomes.get(d.parent)));
  if (states.includes('failed')) return 'failed';
  return states.includes('wait') ? 'wait' : 'ready';
}

/** "its init run pre" / "its judge run j": what a run waits for, for messages. */
export function waitsFor(id: string, deps: ReadonlyMap<string, readonly Dep[]>): string {
  return (deps.get(id) ?? []).map((d) => `its ${d.via} run ${d.parent}`).join(' and ');
}

const NEEDS: Record<DepKey, (parent: string) => string> = {
  init: (p) => `it starts from the weights of run ${p} (init)`,
  judge: (p) => `it is scored by the classifier of run ${p} (judge)`,
};

/**
 * Records in the dependant's folder (error.txt) why it did not train (the first of its
 * dependencies that failed); returns the message.
 */
export function failDependant(
  dir: string,
  id: string,
  deps: ReadonlyMap<string, readonly Dep[]>,
  outcomes: ReadonlyMap<string, RunOutcome>,
): string {
  const all = deps.get(id) ?? [];
  const d = all.find((x) => stateOf(outcomes.get(x.parent)) === 'failed') ?? all[0];
  const msg = `${NEEDS[d.via](d.parent)}, which failed: see that run's error.txt, fix it and run the list again`;
  writeFileSync(resolve(dir, ERROR_FILE), msg + '\n');
  return msg;
}
