// SPDX-License-Identifier: MIT
// A run of a list (a sweep point, a repro experiment's run): a folder name under DIR/runs and an
// ordinary `train` configuration. Identical configurations share one id and so one folder.

import type { TrainConfigInput } from '../train/config.js';

export interface RunSpec {
  /** Folder name under DIR/runs; identical configurations share one run. */
  readonly id: string;
  readonly config: TrainConfigInput & { scheme: string; model: string; dataset: string };
}

/** A string as a folder-name-safe slug (letters, digits, `.`, `=`, `-`; the rest `_`). */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.=-]+/g, '_');
}

/** How one run of a list ended this time. */
export type RunOutcome = 'done' | 'skipped' | 'resumed' | 'failed' | 'interrupted';
