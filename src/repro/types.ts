// SPDX-License-Identifier: MIT
// An experiment of the repro suite: a named list of ordinary `train` runs plus how to turn
// their run folders into the paper's table or figure, next to the paper's own numbers.

import type { RunSpec } from '../sweep/spec.js';
import type { SchemeInput } from '../schemes/schema.js';
import type { RunData } from '../report/run-data.js';
import type { Figure, Table, Verdict } from '../report/types.js';

/** Sizes of one setting (a model on a dataset) at a given scale. */
export interface Setting {
  readonly model: string;
  readonly dataset: string;
  readonly epochs: number;
  readonly limit?: number;
  readonly testLimit?: number;
  readonly batch: number;
  readonly lr: number;
}

export interface Scale {
  readonly name: 'quick' | 'full';
  /** Shown on every section: how far this is from the paper's scale. */
  readonly label: string;
  /** LeNet-5 on MNIST. */
  readonly mnist: Setting;
  /** A BN-ResNet on shapes32 (the CIFAR-10 analogue): ResNet-20 in full, ResNet-8 in quick. */
  readonly resnet: Setting;
  /**
   * The second model of the two-model tables (Su Table 1, Zhang Table 1, Park Table 1): the
   * ResNet setting in full (runs shared), a cheaper one in quick so the ResNet budget goes to
   * the experiments that need BatchNorm (Su Table 2, WAGEUBN).
   */
  readonly second: Setting;
  /** MLP on gauss-N (N set per run). */
  readonly gauss: Omit<Setting, 'dataset'>;
  /** Classes N of the gauss-N sweep, and classifier widths tried. */
  readonly gaussClasses: readonly number[];
  readonly classifierBits: readonly number[];
}

export type { RunSpec } from '../sweep/spec.js';

/** What an experiment's analysis returns; the runner adds title, paper and setting. */
export interface Analysis {
  readonly tables: Table[];
  readonly figures: Figure[];
  readonly verdict: Verdict;
}

export interface ExperimentContext {
  readonly scale: Scale;
  /** Path of a generated scheme file, by scheme name (see `schemes`). */
  schemePath(name: string): string;
  /** Folder of a run by id (a run may start from another's weights: `init`). */
  runPath(id: string): string;
}

export interface Experiment {
  readonly name: string;
  readonly title: string;
  readonly source: string;
  readonly claim: string;
  readonly paper: Table[];
  /** Schemes this experiment builds as data (written to DIR/schemes/NAME.json). */
  schemes?(scale: Scale): SchemeInput[];
  runs(ctx: ExperimentContext): RunSpec[];
  setting(scale: Scale): string;
  analyse(runs: ReadonlyMap<string, RunData>, ctx: ExperimentContext): Analysis;
}
