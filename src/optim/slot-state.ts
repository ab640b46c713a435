// SPDX-License-Identifier: MIT
// Saving and restoring the per-parameter state of Sgd and Adam for checkpoints: each slot's
// state arrays by key (momentum m, Adam's v, the lazy update's acc) and each site's generator.

import type { Rng } from '../quant/rng.js';
import type { OptimizerState } from './optimizer.js';

/** One parameter's slot as checkpoints see it. */
export interface StateSlot {
  readonly p: { readonly name: string };
  /** The slot's sites by name (SgdSites, AdamSites: interfaces whose every value has an rng). */
  readonly sites: object;
}

type SiteRngs = Record<string, { readonly rng: Rng }>;

/** A slot's state arrays by key, in the order they are saved; null where it has none. */
export type SlotArrays<S> = (s: S) => Record<string, Float32Array | null>;

export function saveSlots<S extends StateSlot>(
  slots: readonly S[],
  arrays: SlotArrays<S>,
  steps: number,
): OptimizerState {
  const buffers: OptimizerState['buffers'] = {};
  const rngs: OptimizerState['rngs'] = {};
  for (const s of slots) {
    const b: Record<string, number[]> = {};
    for (const [k, a] of Object.entries(arrays(s))) if (a) b[k] = Array.from(a);
    buffers[s.p.name] = b;
    for (const [k, site] of Object.entries(s.sites as SiteRngs))
      rngs[`${s.p.name}/${k}`] = site.rng.state();
  }
  return { buffers, rngs, steps };
}

/**
 * Restores what saveSlots saved into `slots`; returns the step count. Every slot must have an
 * entry holding the `required` keys (else `checkpoint has no <what> state for <name>`); other
 * arrays are restored where both the slot and the checkpoint have them.
 */
export function loadSlots<S extends StateSlot>(
  st: OptimizerState,
  slots: readonly S[],
  arrays: SlotArrays<S>,
  required: readonly string[],
  what: string,
): number {
  for (const s of slots) {
    const b = st.buffers[s.p.name];
    if (!b || required.some((k) => !b[k]))
      throw new Error(`checkpoint has no ${what} state for ${s.p.name}`);
    for (const [k, a] of Object.entries(arrays(s))) if (a && b[k]) a.set(b[k]);
    for (const [k, site] of Object.entries(s.sites as SiteRngs)) {
      const r = st.rngs[`${s.p.name}/${k}`];
      if (r) site.rng.setState(r);
    }
  }
  return st.steps;
}
