// SPDX-License-Identifier: MIT
// Several optimizers as one: one per parameter group (a GAN's generator and discriminator), each
// with its own state and step count. A step updates the groups whose parameters hold gradients,
// so alternating steps of two nets give each net's Adam its own bias correction.

import type { Param } from '../nn/param.js';
import type { Optimizer, OptimizerState, StepInfo } from './optimizer.js';

export interface OptimizerGroup {
  readonly name: string;
  readonly params: readonly Param[];
  readonly optimizer: Optimizer;
}

/**
 * The rngs key that records a group's own step count in the merged state, as [1, steps] (the
 * checkpoint's rng records must not be all zeros).
 */
const stepsKey = (name: string): string => `#steps/${name}`;

export class GroupOptimizer implements Optimizer {
  readonly name: string;

  constructor(readonly groups: readonly OptimizerGroup[]) {
    if (groups.length === 0) throw new Error('GroupOptimizer needs at least one group');
    this.name = groups[0].optimizer.name;
  }

  step(info: StepInfo): void {
    for (const g of this.groups) if (g.params.some((p) => p.grad !== null)) g.optimizer.step(info);
  }

  saveState(): OptimizerState {
    const buffers: OptimizerState['buffers'] = {};
    const rngs: OptimizerState['rngs'] = {};
    let steps = 0;
    for (const g of this.groups) {
      const s = g.optimizer.saveState();
      Object.assign(buffers, s.buffers);
      Object.assign(rngs, s.rngs);
      rngs[stepsKey(g.name)] = [1, s.steps];
      steps += s.steps;
    }
    return { buffers, rngs, steps };
  }

  loadState(s: OptimizerState): void {
    for (const g of this.groups) {
      const n = s.rngs[stepsKey(g.name)];
      if (!n || n.length !== 2)
        throw new Error(`optimizer state has no step count for the ${g.name} group`);
      g.optimizer.loadState({ ...s, steps: n[1] });
    }
  }
}
