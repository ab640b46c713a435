// SPDX-License-Identifier: MIT
// `lowbit models`: the models `--model` accepts.

import { Command } from 'commander';
import { modelSummaries } from '../models/registry.js';

export function modelsCommand(print: (s: string) => void): Command {
  return new Command('models').description('list the models --model accepts').action(() => {
    const rows = modelSummaries();
    // What each trains on: the task that builds it from a dataset of that kind.
    const w = Math.max(...rows.map((r) => r.name.length));
    const wt = Math.max(...rows.map((r) => r.task.length));
    for (const r of rows) print(`${r.name.padEnd(w)}  ${r.task.padEnd(wt)}  ${r.summary}`);
  });
}
